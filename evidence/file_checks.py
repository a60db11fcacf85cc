"""The `file_check` of evidence items: derived from their current revision and its files.

Every change to what is current or to a file's integrity flag calls `refresh_file_check` in the
same transaction; `tests/evidence/test_file_check.py` keeps the column equal to its definition."""

from django.db import transaction
from django.db.models import Case, Exists, OuterRef, Value, When

from .models import EvidenceItem, FilesState, Revision, StoredFile


def file_check_expression():
    """The file check of an evidence row, computed from its revisions and files."""
    current = Revision.objects.filter(evidence_id=OuterRef("pk"), is_current=True)
    altered = StoredFile.objects.filter(revision__evidence_id=OuterRef("pk"),
                                        revision__is_current=True, integrity_error=True)
    return Case(
        When(Exists(altered), then=Value(FilesState.ALTERED)),
        When(Exists(current), then=Value(FilesState.VERIFIED)),
        default=Value(FilesState.PENDING),
    )


def refresh_file_check(evidence_ids=None) -> int:
    """Recompute `file_check` for these evidence items (all of them when None), writing only
    the rows whose value changes; returns how many changed.

    For given items, their rows are locked first (in primary-key order): a verification making
    a new revision current and a sweep flagging a file of the old one then refresh one after
    the other, the second seeing what the first committed. Without the lock, each would decide
    on what it saw when its statement started, and the item could keep a stale state."""
    items = EvidenceItem.objects.all()
    expression = file_check_expression()
    with transaction.atomic(savepoint=False):
        if evidence_ids is not None:
            items = items.filter(pk__in=evidence_ids)
            list(items.select_for_update().order_by("pk").values_list("pk", flat=True))
        return items.exclude(file_check=expression).update(file_check=expression)
