"""The validity rule table: until when an evidence item counts for a requirement (its own end
versus the requirement's renewal period versus its latest review), at each boundary (the day
before, the day of and the day after each end), and which items newer ones replace."""

import datetime

import pytest

from checklists import readiness, validity
from checklists.readiness import EvidenceState, Status

from .facts import evidence, requirement

D = datetime.date

VALIDITY = [
    # (label, evidence overrides, requirement's renewal months, expected end)
    ("own end, no period", {"valid_until": D(2026, 12, 10)}, None, D(2026, 12, 10)),
    ("the demo's training certificate: its own end wins over 7.2's 12 months",
     {"effective_date": D(2024, 12, 10), "valid_until": D(2026, 12, 10)}, 12, D(2026, 12, 10)),
    ("its own end wins over a longer period",
     {"effective_date": D(2026, 1, 10), "valid_until": D(2026, 6, 1)}, 36, D(2026, 6, 1)),
    ("no own end: the requirement's period from the effective date (a management review)",
     {"effective_date": D(2025, 11, 26)}, 12, D(2026, 11, 26)),
    ("no own end: the period from the latest review (a document reviewed, still valid)",
     {"effective_date": D(2023, 1, 10), "reviewed_on": D(2026, 2, 1)}, 12, D(2027, 2, 1)),
    ("own end set from a review: still its own end",
     {"effective_date": D(2023, 1, 10), "reviewed_on": D(2026, 2, 1),
      "valid_until": D(2027, 2, 1)}, 36, D(2027, 2, 1)),
    ("no own end, no period: open-ended", {}, None, None),
    ("a review without a period changes nothing", {"reviewed_on": D(2026, 2, 1)}, None, None),
    ("one month from 31 January ends on 28 February", {"effective_date": D(2026, 1, 31)}, 1,
     D(2026, 2, 28)),
]


@pytest.mark.parametrize(("label", "facts", "months", "end"), VALIDITY,
                         ids=[row[0] for row in VALIDITY])
def test_validity_table(label, facts, months, end):
    assert readiness.validity_end(evidence(**facts), months) == end


DATED = [row for row in VALIDITY if row[3] is not None]


@pytest.mark.parametrize(("label", "facts", "months", "end"), DATED,
                         ids=[row[0] for row in DATED])
@pytest.mark.parametrize(("shift", "status", "state"), [
    (-1, Status.COVERED, EvidenceState.VALID),
    (0, Status.EXPIRING, EvidenceState.EXPIRING),
    (1, Status.EXPIRED, EvidenceState.EXPIRED),
], ids=["day before", "day of", "day after"])
def test_boundaries(label, facts, months, end, shift, status, state):
    """With no warning window: valid the day before the end, expiring (its last day) on it,
    expired the day after; the checklist says the same."""
    on = end + datetime.timedelta(days=shift)
    item = evidence(**facts)
    assessed = readiness.assess_evidence(item, months, on, on)
    assert (assessed.state, assessed.valid_end) == (state, end)
    result = readiness.assess_requirement(requirement(renewal_months=months), [item], on, 0)
    assert result.status == status
    if status == Status.EXPIRED:
        own = item.valid_until is not None
        assert result.reason == ("validity_ended" if own else "renewal_period_elapsed")


def test_a_review_restarts_the_requirement_period():
    before = evidence(effective_date=D(2025, 1, 10))
    after = before._replace(reviewed_on=D(2026, 1, 5))
    on = D(2026, 3, 1)
    req = requirement(renewal_months=12)
    assert readiness.assess_requirement(req, [before], on).status == Status.EXPIRED
    assert readiness.assess_requirement(req, [after], on).status == Status.COVERED


class TestRecordsApproval:
    """Documents count once approved; records once their file is verified, or, when the
    structure chose so, only once approved."""

    @pytest.mark.parametrize(("kind", "status", "need", "expected"), [
        ("record", "draft", False, EvidenceState.VALID),
        ("record", "in_review", False, EvidenceState.VALID),
        ("record", "draft", True, EvidenceState.UNAPPROVED),
        ("record", "approved", True, EvidenceState.VALID),
        ("document", "draft", False, EvidenceState.UNAPPROVED),
        ("document", "in_review", False, EvidenceState.UNAPPROVED),
        ("document", "approved", False, EvidenceState.VALID),
    ])
    def test_state(self, kind, status, need, expected):
        on = D(2026, 11, 26)
        item = evidence(kind=kind, status=status)
        assert readiness.assess_evidence(item, None, on, on, need).state == expected

    def test_a_record_never_counts_before_its_file_is_verified(self):
        on = D(2026, 11, 26)
        item = evidence(status="draft", file_check="pending")
        assert readiness.assess_evidence(item, None, on, on).state == EvidenceState.UNVERIFIED


ON = D(2026, 11, 26)


def _assessed(items, months=12):
    return [readiness.assess_evidence(item, months, ON, ON) for item in items]


class TestReplaced:
    def test_a_newer_counting_item_replaces_an_older_one(self):
        old = evidence(evidence_id=1, effective_date=D(2025, 12, 1))
        new = evidence(evidence_id=2, effective_date=D(2026, 10, 1))
        assert validity.replaced(_assessed([old, new])) == {1}

    def test_an_expired_item_is_replaced_too(self):
        old = evidence(evidence_id=1, effective_date=D(2024, 12, 1))
        new = evidence(evidence_id=2, effective_date=D(2026, 10, 1))
        assert validity.replaced(_assessed([old, new])) == {1}

    def test_a_newer_item_ending_sooner_replaces_nothing(self):
        old = evidence(evidence_id=1, effective_date=D(2026, 1, 1), valid_until=D(2028, 1, 1))
        new = evidence(evidence_id=2, effective_date=D(2026, 6, 1), valid_until=D(2027, 1, 1))
        assert validity.replaced(_assessed([old, new], None)) == set()

    @pytest.mark.parametrize("newer", [
        {"effective_date": D(2026, 12, 1)},  # not in force yet
        {"kind": "document", "status": "draft"},  # a document not approved
        {"file_check": "pending"},  # file not verified
        {"file_check": "altered"},  # file altered
        {"status": "archived"},
    ])
    def test_only_a_counting_item_replaces(self, newer):
        old = evidence(evidence_id=1, effective_date=D(2025, 12, 1))
        new = evidence(evidence_id=2, **{"effective_date": D(2026, 10, 1), **newer})
        assert validity.replaced(_assessed([old, new])) == set()

    def test_the_same_effective_date_the_later_item_replaces(self):
        first = evidence(evidence_id=1)
        second = evidence(evidence_id=2)
        assert validity.replaced(_assessed([second, first])) == {1}


class TestItemValidity:
    def _items(self, *items):
        return {item.evidence_id: item for item in items}

    def test_unlinked_item_has_its_own_end(self):
        items = self._items(evidence(evidence_id=1, valid_until=D(2027, 1, 1)),
                            evidence(evidence_id=2))
        assert validity.item_validity(items, [], ON) == {
            1: (D(2027, 1, 1), False), 2: (None, False)}

    def test_management_review_takes_the_period_of_9_3(self):
        items = self._items(evidence(evidence_id=1, effective_date=D(2026, 3, 1)))
        assert validity.item_validity(items, [(12, [1])], ON) == {1: (D(2027, 3, 1), False)}

    def test_superseded_when_replaced_for_every_requirement(self):
        old = evidence(evidence_id=1, effective_date=D(2025, 12, 20))
        new = evidence(evidence_id=2, effective_date=D(2026, 10, 1))
        items = self._items(old, new)
        assert validity.item_validity(items, [(12, [1, 2])], ON) == {
            1: (D(2026, 12, 20), True), 2: (D(2027, 10, 1), False)}

    def test_still_answering_another_requirement_it_is_not_superseded(self):
        old = evidence(evidence_id=1, effective_date=D(2025, 12, 20))
        new = evidence(evidence_id=2, effective_date=D(2026, 10, 1))
        items = self._items(old, new)
        answer = validity.item_validity(items, [(12, [1, 2]), (24, [1])], ON)
        assert answer[1] == (D(2027, 12, 20), False)  # the end of the one it still answers

    def test_the_earliest_end_among_requirements(self):
        items = self._items(evidence(evidence_id=1, effective_date=D(2026, 3, 1)))
        answer = validity.item_validity(items, [(None, [1]), (24, [1]), (12, [1])], ON)
        assert answer == {1: (D(2027, 3, 1), False)}

    def test_records_needing_approval_do_not_replace_while_draft(self):
        old = evidence(evidence_id=1, effective_date=D(2025, 12, 20))
        new = evidence(evidence_id=2, effective_date=D(2026, 10, 1), status="draft")
        items = self._items(old, new)
        assert validity.item_validity(items, [(12, [1, 2])], ON)[1].superseded is True
        assert validity.item_validity(items, [(12, [1, 2])], ON, True)[1].superseded is False
