"""What comes next in a certificate's cycle: the first surveillance audit within 12 months of
the decision, a second one in the next calendar year, the renewal before expiry; each planned
once an audit of its kind is recorded, done once its last day has passed."""

import datetime

import pytest

from audits.cycle import MilestoneState, milestones
from audits.models import Certificate, Engagement, EngagementKind

D = datetime.date


def certificate(decision=D(2026, 3, 2), expiry=D(2029, 3, 1)) -> Certificate:
    return Certificate(decision_date=decision, expiry_date=expiry, certification_body="AFNOR")


def audit(kind, start, end=None) -> Engagement:
    return Engagement(kind=kind, start_date=start, end_date=end or start)


def due(found) -> list[tuple[str, datetime.date]]:
    return [(milestone.kind.value, milestone.due_by) for milestone in found]


def test_a_new_certificate_needs_two_surveillance_audits_and_a_renewal():
    found = milestones(certificate(), [])
    assert due(found) == [("surveillance_1", D(2027, 3, 2)), ("surveillance_2", D(2028, 12, 31)),
                          ("renewal", D(2029, 2, 28))]
    assert {milestone.state(D(2026, 12, 5)) for milestone in found} == {MilestoneState.TO_PLAN}


def test_the_second_surveillance_falls_in_the_year_after_the_first_one_took_place():
    early = audit(EngagementKind.SURVEILLANCE_1, D(2026, 11, 16), D(2026, 11, 17))
    found = milestones(certificate(), [early])
    assert due(found)[1] == ("surveillance_2", D(2027, 12, 31))
    assert found[0].engagement is early


def test_no_deadline_falls_after_the_renewal_one():
    short = certificate(decision=D(2026, 3, 2), expiry=D(2027, 1, 31))
    assert due(milestones(short, [])) == [
        ("surveillance_1", D(2027, 1, 30)), ("surveillance_2", D(2027, 1, 30)),
        ("renewal", D(2027, 1, 30))]


@pytest.mark.parametrize("today, recorded, state", [
    (D(2027, 3, 2), False, MilestoneState.TO_PLAN),  # the last day itself
    (D(2027, 3, 3), False, MilestoneState.OVERDUE),
    (D(2027, 2, 11), True, MilestoneState.PLANNED),  # on the audit's last day
    (D(2027, 2, 12), True, MilestoneState.DONE),
])
def test_state_of_a_milestone(today, recorded, state):
    engagements = [audit(EngagementKind.SURVEILLANCE_1, D(2027, 2, 10), D(2027, 2, 11))]
    first = milestones(certificate(), engagements if recorded else [])[0]
    assert first.state(today) == state


def test_only_audits_of_the_milestones_kind_answer_it():
    internal = audit(EngagementKind.INTERNAL, D(2026, 10, 1))
    renewal = audit(EngagementKind.RENEWAL, D(2029, 1, 14))
    found = milestones(certificate(), [internal, renewal])
    assert [milestone.engagement for milestone in found] == [None, None, renewal]
