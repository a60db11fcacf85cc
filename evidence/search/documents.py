"""The text of an evidence item as search indexes it, written in SQL so that a whole batch is
indexed in one statement: title, tag names, description and the text of the current revision's
files, in the order of the files (`FILE_SEPARATOR` between them, "\f" between PDF pages)."""

FILE_SEPARATOR = "\x1d"  # ASCII group separator: never in extracted text
PAGE_SEPARATOR = "\f"

# {concat} is each engine's string aggregate over an ordered subquery.
TAGS = """(SELECT {concat}(name, ' ') FROM (
    SELECT t.name FROM evidence_evidenceitem_tags it JOIN evidence_tag t ON t.id = it.tag_id
    WHERE it.evidenceitem_id = i.id ORDER BY t.name) AS tag_names)"""

CONTENT = """(SELECT {concat}(text, '\x1d') FROM (
    SELECT COALESCE(ft.text, '') AS text FROM evidence_revision r
    JOIN evidence_storedfile f ON f.revision_id = r.id
    LEFT JOIN evidence_filetext ft ON ft.stored_file_id = f.id
    WHERE r.evidence_id = i.id AND r.is_current ORDER BY f.id) AS file_texts)"""


def current_files(item_ids) -> dict[int, list[tuple[int, str, int | None]]]:
    """item id -> (file id, name, page count) of its current revision's files, in the order
    of `CONTENT`."""
    from ..models import StoredFile

    files: dict[int, list[tuple[int, str, int | None]]] = {}
    rows = (StoredFile.objects.filter(revision__evidence_id__in=item_ids,
                                      revision__is_current=True)
            .order_by("id").values_list("revision__evidence_id", "id", "name", "page_count"))
    for item_id, file_id, name, pages in rows:
        files.setdefault(item_id, []).append((file_id, name, pages))
    return files
