"""`{% upload_widget prefix %}`: the files of an upload form (drop zone, drafts, progress), with
the vault's limits and accepted extensions, wherever the form is shown, and a notice when this
server cannot read scans (no OCR engine: decision 0031)."""

from django import template
from django.conf import settings

from ..filetypes import ALLOWED_EXTENSIONS
from ..ocr_results import engine_problem

register = template.Library()


@register.inclusion_tag("evidence/pages/_upload_widget.html")
def upload_widget(prefix: str) -> dict:
    return {"prefix": prefix, "upload": {
        "accept": ",".join(f".{extension}" for extension in sorted(ALLOWED_EXTENSIONS)),
        "max_mb": max(1, settings.UPLOAD_MAX_BYTES // (1024 * 1024)),
        "max_files": settings.UPLOAD_MAX_FILES,
        "scans_unreadable": engine_problem() is not None}}
