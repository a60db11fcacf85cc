"""Reminders of findings' deadlines (decision 0026, through the deadline reminders of decision
0027): a corrective action's owner 7 and 1 days before its due date and on the day; the quality
managers 14 and 7 days before and on the day of a nonconformity's plan (while unanswered) and
of its verification date (while open); once each, the most urgent only after a missed day,
nothing once the action is done, the plan answered or the finding closed."""

import datetime

import pytest
from django.core import mail

from audit_prep.roles import Role
from audits import answers, findings
from audits.models import Engagement, EngagementKind, Grade
from checklists.models import Requirement
from checklists.services import tailoring
from notices.models import DeadlineReminder
from tests.checklists.conftest import make_referential
from tests.notices.test_reminders import frozen
from workers import tasks

LAST_DAY = datetime.date(2026, 12, 11)
PLAN_DUE = datetime.date(2027, 3, 11)  # 90 days after the audit's last day
ACTION_DUE = datetime.date(2027, 1, 15)


@pytest.fixture
def owner(member):
    user = member(Role.CONTRIBUTOR, username="pilote")
    user.email = "pilote@example.org"
    user.save()
    return user


@pytest.fixture
def finding(org, qm):
    referential, _ = make_referential()
    with frozen(datetime.date(2026, 12, 1)):
        tailoring.adopt(qm, org, referential)
        engagement = Engagement.objects.create(
            organization=org, created_by=qm, kind=EngagementKind.INTERNAL,
            start_date=datetime.date(2026, 12, 10), end_date=LAST_DAY)
        engagement.referentials.set([referential])
        major = Grade.objects.get(scale__organization=org, code="major_nc")
        drafted = findings.draft_finding(qm, engagement, {
            "grade": major.pk, "text": "Pas de revue", "requirements": [
                Requirement.objects.get(referential=referential, ref_id="9.3.3").pk]})
        return findings.publish(qm, drafted)


def run_on(day: datetime.date):
    with frozen(day):
        return tasks.run_deadline_reminders()


def sent(key: str) -> list[int]:
    return list(DeadlineReminder.objects.filter(key=key, last_error="")
                .order_by("threshold").values_list("threshold", flat=True))


def test_the_plan_is_reminded_to_quality_managers_14_7_0_days_before(finding, qm):
    assert finding.plan_due == PLAN_DUE
    assert run_on(datetime.date(2027, 2, 24)).reminders_created == 0
    for day in (datetime.date(2027, 2, 25), datetime.date(2027, 3, 4), PLAN_DUE):
        assert run_on(day).reminders_created == 1
        assert run_on(day).reminders_created == 0  # a second run the same day: nothing
    assert sent(f"audits.finding:{finding.pk}:plan") == [0, 7, 14]
    assert [message.to for message in mail.outbox] == [[qm.email]] * 3
    assert "Constat n° 1 : envoyer le plan d'actions correctives" in mail.outbox[0].body
    assert f"/settings/findings/{finding.pk}/" in mail.outbox[0].body


def test_an_action_owner_is_reminded_the_most_urgent_only_after_a_missed_day(
        finding, qm, owner):
    with frozen(datetime.date(2026, 12, 15)):
        action = answers.add_action(qm, finding, {
            "description": "Tenir la revue", "owner": owner, "due_date": ACTION_DUE})
    run_on(datetime.date(2027, 1, 14))  # 7 days before was missed: 1 day before only
    assert sent(f"audits.action:{action.pk}") == [1]
    [message] = [m for m in mail.outbox if m.to == [owner.email]]
    assert "Action du constat n° 1 : Tenir la revue" in message.body


def test_nothing_once_the_action_is_done_and_the_plan_answered(finding, qm, owner):
    with frozen(datetime.date(2026, 12, 15)):
        action = answers.add_action(qm, finding, {
            "description": "Tenir la revue", "owner": owner, "due_date": ACTION_DUE})
        answers.answer(qm, finding, {"correction": "Revue planifiée", "root_cause": "Oubli"})
        answers.update_action(qm, action, {"done_on": datetime.date(2026, 12, 15)})
        answers.submit(qm, finding)
    run_on(PLAN_DUE)
    assert sent(f"audits.action:{action.pk}") == []
    assert sent(f"audits.finding:{finding.pk}:plan") == []


def test_a_verification_date_is_reminded_while_the_finding_is_open(finding, qm):
    assert finding.verification_due == datetime.date(2027, 6, 11)
    run_on(datetime.date(2027, 5, 28))
    assert sent(f"audits.finding:{finding.pk}:verification") == [14]
    finding.status, finding.closed_at = "closed", datetime.datetime(2027, 5, 30,
                                                                     tzinfo=datetime.UTC)
    finding.save()
    assert run_on(datetime.date(2027, 6, 4)).reminders_created == 0
