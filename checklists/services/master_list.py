"""The master list of documented information of a structure (ISO 9001 7.5.3): every document
to maintain and record to retain that is not archived, with its current revision, owner,
approval, effective date, next review or end of validity and the requirements it is linked to.

Read as a stream: per kind, three queries (the items, their current revisions' files, their
links) ordered by item id and merged as they are read (`.iterator()`), so that the service
holds a chunk of rows at a time whatever the size of the vault, in a fixed number of queries.

The end of validity is the one reminders, the calendar feed and the evidence API read: the
stored `EvidenceItem.validity_end` (`checklists.services.validity`, from the one rule: the
earliest end over the requirements it still answers; its own end when linked to nothing).
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils import timezone

from audit_prep.models import Organization
from evidence.models import EvidenceItem, EvidenceKind, EvidenceStatus, StoredFile
from evidence.references import evidence_url, reference

from ..models import EvidenceLink
from .checklist import HASH_PREFIX_LENGTH

CHUNK = 2000  # rows fetched at a time from each of the three queries
_ITEM_COLUMNS = ("id", "title", "status", "effective_date", "validity_end")
_PEOPLE = ("owner__username", "owner__first_name", "owner__last_name",
           "approved_by__username", "approved_by__first_name", "approved_by__last_name",
           "approved_at")
_LINK_COLUMNS = ("evidence_id", "requirement__ref_id", "requirement__referential__ref_id")


@dataclass
class Entry:
    """One line of the master list."""

    evidence_id: int
    reference: str
    title: str
    kind: str
    status: str
    owner: str
    approved_by: str
    approved_at: datetime.date | None
    effective_date: datetime.date
    valid_until: datetime.date | None
    url: str
    revision: int | None = None
    sha256: list[str] = field(default_factory=list)
    requirements: list[tuple[str, list[str]]] = field(default_factory=list)  # per referential


@dataclass
class MasterList:
    organization: Organization
    reference_date: datetime.date
    entries: Iterator[Entry]  # documents to maintain, then records to retain; read once


def _name(username, first_name, last_name) -> str:
    return " ".join(part for part in (first_name, last_name) if part) or username or ""


class _Merged:
    """Rows of one query ordered by item id (first column), taken item by item."""

    def __init__(self, rows):
        self._rows = iter(rows)
        self._next = next(self._rows, None)

    def take(self, evidence_id: int) -> list[tuple]:
        # Rows of items the first query did not return (archived in between) are skipped.
        while self._next is not None and self._next[0] < evidence_id:
            self._next = next(self._rows, None)
        taken = []
        while self._next is not None and self._next[0] == evidence_id:
            taken.append(self._next)
            self._next = next(self._rows, None)
        return taken


def _requirements(links: list[tuple]) -> list[tuple[str, list[str]]]:
    grouped: dict[str, list[str]] = {}
    for ref_id, referential in links:
        grouped.setdefault(referential, []).append(ref_id)
    return list(grouped.items())


def _entries_of_kind(organization_id: int, kind: str) -> Iterator[Entry]:
    items = (EvidenceItem.objects
             .filter(organization_id=organization_id, kind=kind)
             .exclude(status=EvidenceStatus.ARCHIVED)
             .order_by("id").values_list(*_ITEM_COLUMNS, *_PEOPLE))
    files = _Merged(
        StoredFile.objects.filter(revision__is_current=True,
                                  revision__evidence__organization_id=organization_id,
                                  revision__evidence__kind=kind)
        .exclude(revision__evidence__status=EvidenceStatus.ARCHIVED)
        .order_by("revision__evidence_id", "id")
        .values_list("revision__evidence_id", "revision__number", "sha256")
        .iterator(chunk_size=CHUNK))
    links = _Merged(
        EvidenceLink.objects.filter(evidence__organization_id=organization_id,
                                    evidence__kind=kind, requirement__retired_at__isnull=True)
        .exclude(evidence__status=EvidenceStatus.ARCHIVED)
        .order_by("evidence_id", "requirement__referential__code",
                  "requirement__referential__version", "requirement__order")
        .values_list(*_LINK_COLUMNS).iterator(chunk_size=CHUNK))
    for row in items.iterator(chunk_size=CHUNK):
        (evidence_id, title, status, effective_date, validity_end, owner, owner_first,
         owner_last, approver, approver_first, approver_last, approved_at) = row
        item_links = [link[1:] for link in links.take(evidence_id)]
        item_files = files.take(evidence_id)
        yield Entry(
            evidence_id=evidence_id, reference=reference(evidence_id),
            title=title, kind=kind, status=status,
            owner=_name(owner, owner_first, owner_last),
            approved_by=_name(approver, approver_first, approver_last),
            approved_at=timezone.localtime(approved_at).date() if approved_at else None,
            effective_date=effective_date, valid_until=validity_end,
            url=evidence_url(evidence_id),
            revision=item_files[0][1] if item_files else None,
            sha256=[sha[:HASH_PREFIX_LENGTH] for _id, _number, sha in item_files],
            requirements=_requirements(item_links))


def _entries(organization_id: int) -> Iterator[Entry]:
    for kind in (EvidenceKind.DOCUMENT, EvidenceKind.RECORD):
        yield from _entries_of_kind(organization_id, kind.value)


def master_list(organization: Organization, on: datetime.date | None = None) -> MasterList:
    """The structure's master list; its entries are read lazily, as a writer consumes them
    (the caller has checked that the user may see the structure)."""
    return MasterList(organization, on or timezone.localdate(), _entries(organization.pk))
