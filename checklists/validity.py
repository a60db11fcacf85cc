"""Per evidence item, from the one rule (`checklists.readiness`): until when it counts for the
requirements it answers, and whether newer items replaced it for every one of them. Pure
functions over plain facts; `checklists.services.validity.refresh` stores their answer on
`EvidenceItem.validity_end` / `superseded`, which reminders, the calendar and the evidence API
read (docs/decisions/0014-one-validity-read-model.md).

- An item linked to no requirement: its own end (`readiness.validity_end` with no period).
- An item linked to requirements: for each, `readiness.validity_end` (its own end wins; the
  requirement's renewal period only when it has none); the item's end is the earliest among
  the requirements for which it is not replaced, as that is when one of them stops counting it.
- Replaced (`replaced`): for a requirement, a newer item (a later effective date; the same: a
  higher id) counts on the reference date and stays valid at least as long. An item replaced
  for every requirement it answers is `superseded`: no reminder, no calendar event (its end is
  then the earliest of its ends, for information).
"""

import bisect
import datetime
from collections.abc import Iterable
from typing import NamedTuple

from . import readiness
from .readiness import AssessedEvidence, EvidenceFacts, EvidenceState

_COUNTING = (EvidenceState.VALID, EvidenceState.EXPIRING)


class ItemValidity(NamedTuple):
    end: datetime.date | None
    superseded: bool


def _newer(item: AssessedEvidence) -> tuple:
    return (item.facts.effective_date, item.facts.evidence_id)


def _lasts(end: datetime.date | None) -> datetime.date:
    return datetime.date.max if end is None else end


def replaced(assessed: list[AssessedEvidence]) -> set[int]:
    """The evidence ids, among the items linked to one requirement, that a newer counting item
    replaces (see the module's docstring)."""
    counting = sorted((item for item in assessed if item.state in _COUNTING), key=_newer)
    # best_after[i]: the latest end among counting[i:] (a suffix maximum).
    best_after = [datetime.date.min] * (len(counting) + 1)
    for index in range(len(counting) - 1, -1, -1):
        best_after[index] = max(best_after[index + 1], _lasts(counting[index].valid_end))
    keys = [_newer(item) for item in counting]
    out = set()
    for item in assessed:
        position = bisect.bisect_right(keys, _newer(item))  # counting[position:] are newer
        if position < len(counting) and best_after[position] >= _lasts(item.valid_end):
            out.add(item.facts.evidence_id)
    return out


def item_validity(items: dict[int, EvidenceFacts],
                  requirements: Iterable[tuple[int | None, list[int]]],
                  on: datetime.date, records_need_approval: bool = False
                  ) -> dict[int, ItemValidity]:
    """The validity of each of `items` (by evidence id) on `on`, given each requirement they are
    linked to as (its renewal period, the ids of its linked items)."""
    ends: dict[int, list[tuple[datetime.date | None, bool]]] = {}
    for renewal_months, evidence_ids in requirements:
        assessed = [readiness.assess_evidence(items[pk], renewal_months, on, on,
                                              records_need_approval) for pk in evidence_ids]
        gone = replaced(assessed)
        for item in assessed:
            pk = item.facts.evidence_id
            ends.setdefault(pk, []).append((item.valid_end, pk in gone))
    result = {}
    for pk, facts in items.items():
        entries = ends.get(pk)
        if not entries:
            result[pk] = ItemValidity(readiness.validity_end(facts, None), False)
            continue
        live = [end for end, gone in entries if not gone]
        dated = [end for end in (live or [end for end, _gone in entries]) if end is not None]
        result[pk] = ItemValidity(min(dated, default=None), not live)
    return result
