"""The readiness rule table: every status and boundary, on frozen dates."""

import datetime

import pytest
import time_machine

from checklists import readiness
from checklists.readiness import Status

from .facts import TODAY, WINDOW, days, evidence, requirement

RULES = [
    # (label, requirement overrides, evidence list, date, expected status, reason)
    ("nothing linked", {}, [], TODAY, Status.MISSING, "no_evidence"),
    ("valid without end", {}, [evidence()], TODAY, Status.COVERED, "valid"),
    ("valid beyond the window", {}, [evidence(valid_until=days(WINDOW + 1))], TODAY,
     Status.COVERED, "valid"),
    ("expires in exactly the warning window", {}, [evidence(valid_until=days(WINDOW))], TODAY,
     Status.EXPIRING, "expires_within_window"),
    ("expires today", {}, [evidence(valid_until=TODAY)], TODAY, Status.EXPIRING,
     "expires_within_window"),
    ("expired yesterday", {}, [evidence(valid_until=days(-1))], TODAY, Status.EXPIRED,
     "validity_ended"),
    ("effective date in the future", {}, [evidence(effective_date=days(1))], TODAY,
     Status.PENDING, "not_yet_effective"),
    ("effective today", {}, [evidence(effective_date=TODAY)], TODAY, Status.COVERED, "valid"),
    ("draft document", {}, [evidence(status="draft", kind="document")], TODAY, Status.PENDING,
     "unapproved"),
    ("document in review", {}, [evidence(status="in_review", kind="document")], TODAY,
     Status.PENDING, "unapproved"),
    ("draft record with a verified file counts (the default)", {},
     [evidence(status="draft")], TODAY, Status.COVERED, "valid"),
    ("record in review with a verified file counts (the default)", {},
     [evidence(status="in_review")], TODAY, Status.COVERED, "valid"),
    ("draft record without a verified file", {}, [evidence(status="draft", file_check="pending")],
     TODAY, Status.PENDING, "unverified"),
    ("revision not verified or rejected", {}, [evidence(file_check="pending")], TODAY,
     Status.PENDING, "unverified"),
    ("evidence archived", {}, [evidence(status="archived")], TODAY, Status.MISSING,
     "only_archived_evidence"),
    ("renewal period elapsed", {"renewal_months": 12},
     [evidence(effective_date=datetime.date(2025, 11, 25))], TODAY, Status.EXPIRED,
     "renewal_period_elapsed"),
    ("renewal period ends today", {"renewal_months": 12},
     [evidence(effective_date=datetime.date(2025, 11, 26))], TODAY, Status.EXPIRING,
     "expires_within_window"),
    ("its own end wins over a shorter renewal period", {"renewal_months": 12},
     [evidence(effective_date=datetime.date(2025, 1, 1), valid_until=datetime.date(2030, 1, 1))],
     TODAY, Status.COVERED, "valid"),
    ("its own end wins over a longer renewal period", {"renewal_months": 36},
     [evidence(effective_date=datetime.date(2025, 1, 1), valid_until=days(-1))],
     TODAY, Status.EXPIRED, "validity_ended"),
    ("not applicable", {"excluded": True}, [], TODAY, Status.NOT_APPLICABLE, "excluded"),
    ("not applicable wins over evidence", {"excluded": True}, [evidence()], TODAY,
     Status.NOT_APPLICABLE, "excluded"),
    ("audit date in the future: valid today, expired by then", {},
     [evidence(valid_until=days(40))], days(60), Status.EXPIRED, "validity_ended"),
    ("audit date in the future: in the window then", {}, [evidence(valid_until=days(70))],
     days(60), Status.EXPIRING, "expires_within_window"),
    ("one valid among expired and drafts", {},
     [evidence(valid_until=days(-5)), evidence(status="draft"), evidence(evidence_id=3)],
     TODAY, Status.COVERED, "valid"),
    ("expired approved beats a pending draft", {},
     [evidence(valid_until=days(-5)), evidence(evidence_id=2, status="draft", kind="document")],
     TODAY, Status.EXPIRED, "validity_ended"),
]


@pytest.mark.parametrize(("label", "req", "items", "on", "expected", "reason"), RULES,
                         ids=[rule[0] for rule in RULES])
def test_rule_table(label, req, items, on, expected, reason):
    result = readiness.assess_requirement(requirement(**req), items, on, WINDOW)
    assert (result.status, result.reason) == (expected, reason)


def test_today_is_the_default_reference_date():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 12, tzinfo=datetime.UTC),
                             tick=False):
        from django.utils import timezone

        assert timezone.localdate() == TODAY


def test_valid_until_reports_the_latest_covering_evidence():
    result = readiness.assess_requirement(
        requirement(), [evidence(valid_until=days(100)), evidence(evidence_id=2,
                                                                  valid_until=days(200))],
        TODAY, WINDOW)
    assert result.valid_until == days(200)
    assert [item.facts.evidence_id for item in result.evidence] == [2, 1]


def test_score_counts_each_assessable_leaf_once_as_a_percentage_with_one_decimal():
    assessments = [
        readiness.Assessment(requirement(requirement_id=1), Status.COVERED, ""),
        readiness.Assessment(requirement(requirement_id=2), Status.EXPIRING, ""),
        readiness.Assessment(requirement(requirement_id=3), Status.MISSING, ""),
        readiness.Assessment(requirement(requirement_id=4), Status.PENDING, ""),
        readiness.Assessment(requirement(requirement_id=5, excluded=True),
                             Status.NOT_APPLICABLE, ""),
        readiness.Assessment(requirement(requirement_id=6, assessable=False), Status.MISSING,
                             ""),
        # a clause with sub-clauses sums them up: not counted again, whatever its status
        readiness.Assessment(requirement(requirement_id=7, leaf=False), Status.COVERED, ""),
        readiness.Assessment(requirement(requirement_id=8, leaf=False), Status.MISSING, ""),
    ]
    assert readiness.score(assessments) == 50.0
    counts = readiness.count_statuses(assessments)
    assert counts == {"missing": 1, "expired": 0, "pending": 1, "expiring": 1, "covered": 1,
                      "not_applicable": 1}
    assert readiness.score([assessments[4]]) is None
    assert readiness.score([assessments[6]]) is None


@pytest.mark.parametrize("good, whole, expected", [
    (1, 3, 33.3), (2, 3, 66.7), (1, 12, 8.3), (1, 8, 12.5), (1, 16, 6.3), (0, 5, 0.0),
    (5, 5, 100.0), (1, 2000, 0.1), (1, 2001, 0.0),
])
def test_percent_has_one_decimal_rounded_half_up(good, whole, expected):
    value = readiness.percent(good, whole)
    assert value == expected and isinstance(value, float)


def test_requirements_asking_for_documented_information_come_first_within_a_status():
    rows = [
        readiness.Assessment(requirement(ref_id="a"), Status.MISSING, ""),
        readiness.Assessment(requirement(ref_id="b", documented=True), Status.MISSING, ""),
        readiness.Assessment(requirement(ref_id="c", documented=True), Status.EXPIRED, ""),
        readiness.Assessment(requirement(ref_id="d", documented=True), Status.COVERED, ""),
    ]
    ordered = sorted(enumerate(rows), key=lambda p: readiness.priority_key(p[1], p[0]))
    assert [a.requirement.ref_id for _i, a in ordered] == ["b", "a", "c", "d"]


def _kid(status, end=None, n=1):
    excluded = status == Status.NOT_APPLICABLE
    return readiness.Assessment(requirement(ref_id=f"9.3.{n}", excluded=excluded), status, "",
                                end)


def _own(items):
    return readiness.assess_requirement(requirement(ref_id="9.3", leaf=False), items, TODAY,
                                        WINDOW)


C, E, X, P, M, NA = (Status.COVERED, Status.EXPIRING, Status.EXPIRED, Status.PENDING,
                     Status.MISSING, Status.NOT_APPLICABLE)
VALID_OWN = [evidence(valid_until=days(200))]
EXPIRED_OWN = [evidence(valid_until=days(-1))]
PARENT_RULES = [
    # (label, own evidence, sub-clause statuses, expected status, reason)
    ("no own evidence: worst sub-clause", [], [C, E, NA], E, "from_sub_clauses"),
    ("no own evidence: a missing sub-clause", [], [C, M], M, "from_sub_clauses"),
    ("no own evidence, all excluded", [], [NA, NA], NA, "sub_clauses_not_applicable"),
    ("own evidence counts, sub-clauses covered", VALID_OWN, [C, C], C, "valid"),
    ("own evidence counts, a sub-clause missing", VALID_OWN, [C, M], M, "sub_clause_worse"),
    ("own evidence counts, a sub-clause pending", VALID_OWN, [P, C], P, "sub_clause_worse"),
    ("own evidence counts, a sub-clause expiring", VALID_OWN, [E], E, "sub_clause_worse"),
    ("own evidence expired, sub-clauses covered", EXPIRED_OWN, [C, C], X, "validity_ended"),
    ("own evidence expired, a sub-clause missing", EXPIRED_OWN, [M], M, "sub_clause_worse"),
    ("own evidence counts, all excluded", VALID_OWN, [NA], C, "valid"),
    ("own evidence counts, an excluded one ignored", VALID_OWN, [C, NA], C, "valid"),
]


@pytest.mark.parametrize("label, own, kids, expected, reason", PARENT_RULES,
                         ids=[rule[0] for rule in PARENT_RULES])
def test_parent_rule_table(label, own, kids, expected, reason):
    children = [_kid(status, days(90) if status in (C, E) else None, n)
                for n, status in enumerate(kids, 1)]
    rolled = readiness.roll_up(_own(own), children)
    assert (rolled.status, rolled.reason) == (expected, reason)
    assert rolled.linked == len(own)  # its own evidence stays shown


def test_roll_up_reports_the_earliest_end_of_what_covers():
    kids = [_kid(C, days(90), 1), _kid(E, days(10), 2), _kid(NA, None, 3)]
    rolled = readiness.roll_up(_own([]), kids)
    assert (rolled.status, rolled.reason, rolled.valid_until) == (E, "from_sub_clauses",
                                                                  days(10))
    rolled = readiness.roll_up(_own([evidence(valid_until=days(20))]), [_kid(E, days(25))])
    assert (rolled.status, rolled.valid_until) == (E, days(20))


def test_exclusion_with_the_parent_has_its_own_reason():
    cascaded = readiness.assess_requirement(
        requirement(ref_id="8.3.2", excluded=True, excluded_with_parent=True), [evidence()],
        TODAY, WINDOW)
    assert (cascaded.status, cascaded.reason) == (NA, "excluded_with_parent")
    own = readiness.assess_requirement(requirement(ref_id="8.3", excluded=True), [], TODAY,
                                       WINDOW)
    assert (own.status, own.reason) == (NA, "excluded")
