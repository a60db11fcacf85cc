"""Files held twice: for an item's page, the other items of its structure that hold a file with
the same SHA-256 as one of the item's files."""

from collections import defaultdict

from audit_prep import access

from .models import EvidenceItem, StoredFile
from .references import reference


def mark_same_content(user, item: EvidenceItem) -> None:
    """Set `same_content` on every file of the item's prefetched revisions: the other items,
    visible to `user`, holding the same content ({id, reference, title}), in one query."""
    files = [file for revision in item.revisions.all() for file in revision.files.all()]
    holders: dict[str, list[dict]] = defaultdict(list)
    if files:
        rows = (access.scope(StoredFile.objects.filter(
                    organization_id=item.organization_id,
                    sha256__in={file.sha256 for file in files}), user)
                .exclude(revision__evidence_id=item.pk)
                .values_list("sha256", "revision__evidence_id", "revision__evidence__title")
                .distinct().order_by("revision__evidence_id"))
        for sha256, evidence_id, title in rows:
            holders[sha256].append({"id": evidence_id, "reference": reference(evidence_id),
                                    "title": title})
    for file in files:
        file.same_content = holders.get(file.sha256, [])  # type: ignore[attr-defined]
