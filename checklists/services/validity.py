"""The validity read model: `EvidenceItem.validity_end` and `superseded`, stored for reminders,
the calendar feed and the evidence API, which read them set-based. Written only here, from the
pure functions of `checklists.validity` over the one rule (`checklists.readiness`), never by
SQL or triggers (docs/decisions/0014-one-validity-read-model.md).

Refreshed by the readiness recomputation for the structures whose vault changed
(`readiness_state.recompute_dirty`, after `evidence.signals.vault_changed`), by the daily pass
(`readiness_state.take_daily_snapshots`: the passing of days changes which items count, hence
which are replaced), and just before each reminder run (`workers.tasks.run_reminders`). Only the
rows whose values change are written, grouped by value (one UPDATE per value and 900 ids).
"""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from audit_prep.models import Organization
from evidence.models import EvidenceItem

from .. import validity
from ..models import Adoption, EvidenceLink
from ..readiness import EvidenceFacts

ID_CHUNK = 900  # ids per IN (...) list, under SQLite's historic limit of 999 parameters
_ITEM_COLUMNS = ("id", "title", "status", "kind", "effective_date", "valid_until", "file_check",
                 "last_reviewed_on", "validity_end", "superseded")


def _requirements(organization_id: int) -> dict[int, tuple[int | None, list[int]]]:
    """Per requirement of a referential the structure adopts: its renewal period and the ids of
    the structure's items linked to it (one query)."""
    adopted = Adoption.objects.filter(organization_id=organization_id,
                                      referential_id=OuterRef("requirement__referential_id"))
    rows = (EvidenceLink.objects
            .filter(Exists(adopted), evidence__organization_id=organization_id,
                    requirement__retired_at__isnull=True)
            .order_by().values_list("requirement_id", "requirement__renewal_months",
                                    "evidence_id"))
    requirements: dict[int, tuple[int | None, list[int]]] = {}
    for requirement_id, months, evidence_id in rows:
        requirements.setdefault(requirement_id, (months, []))[1].append(evidence_id)
    return requirements


def _changes(organization: tuple[int, bool], on: datetime.date) -> dict[tuple, list[int]]:
    """The rows of one structure whose stored validity differs from the rule's, by new value."""
    organization_id, records_need_approval = organization
    facts, stored = {}, {}
    for pk, *columns, end, superseded in (EvidenceItem.objects
                                          .filter(organization_id=organization_id)
                                          .order_by().values_list(*_ITEM_COLUMNS)):
        facts[pk] = EvidenceFacts(pk, *columns)
        stored[pk] = (end, superseded)
    answers = validity.item_validity(facts, _requirements(organization_id).values(), on,
                                     records_need_approval)
    changes: dict[tuple, list[int]] = {}
    for pk, answer in answers.items():
        if stored[pk] != tuple(answer):
            changes.setdefault(tuple(answer), []).append(pk)
    return changes


def refresh(organization_ids: Iterable[int] | None = None,
            on: datetime.date | None = None) -> int:
    """Store the validity of every evidence item of these structures (default: all) as the rule
    gives it on `on` (default: today); returns how many rows changed. One structure at a time,
    each in its own short transaction (three queries, then the updates)."""
    on = on or timezone.localdate()
    structures = Organization.objects.order_by("pk")
    if organization_ids is not None:
        structures = structures.filter(pk__in=list(organization_ids))
    changed = 0
    for organization_id in structures.values_list("pk", flat=True):
        with transaction.atomic():
            # One refresh of a structure at a time (the recomputation and the reminder job may
            # meet): the structure's row is locked first, then its items read and written.
            # FOR NO KEY UPDATE: it serialises refreshes without blocking the foreign-key
            # checks of rows inserted meanwhile (an upload's audit event holding an item's row
            # lock would otherwise deadlock against this refresh, seen under load).
            organization = (Organization.objects.select_for_update(no_key=True)
                            .filter(pk=organization_id)
                            .values_list("pk", "records_need_approval").first())
            if organization is None:
                continue
            for (end, superseded), ids in _changes(organization, on).items():
                for start in range(0, len(ids), ID_CHUNK):
                    changed += EvidenceItem.objects.filter(pk__in=ids[start:start + ID_CHUNK]
                                                           ).update(validity_end=end,
                                                                    superseded=superseded)
    return changed
