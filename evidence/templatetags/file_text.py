"""`{% file_text file %}`: where a stored file's text stands, in words (extracted, read by OCR,
waiting for OCR, or not readable and why), for the item's page (decision 0031). The file may
carry `text_note` / `text_source` annotations (one query for the page); otherwise its row is
read."""

from django import template

from ..models import FileText
from ..text_states import text_state

register = template.Library()


@register.inclusion_tag("evidence/pages/_file_text.html")
def file_text(file) -> dict:
    if hasattr(file, "text_note"):
        state = text_state(file.text_note, getattr(file, "text_source", None))
    else:
        row = FileText.objects.filter(stored_file=file).values_list("note", "source").first()
        state = text_state(*row) if row else text_state(None)
    return {"file": file, "text": state}
