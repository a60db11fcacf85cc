"""Reminders of evidence requests, through the deadline reminders (decisions 0024 and 0027, with
0007's windows and unique rows): the assignee is reminded 7 days and 1 day before the due date
and on the day, once each, in their language; a missed day catches up with the most urgent
only; nothing once the request is answered, reassigned or closed; a new due date arms the
thresholds again."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

from audit_prep.roles import Role
from audits import services as audits
from audits.models import EngagementKind
from audits.requests import services
from checklists.models import Requirement
from checklists.services import tailoring
from notices.models import DeadlineReminder, Notification
from tests.checklists.conftest import make_referential
from tests.factories import EvidenceFactory
from tests.trail import remove_audit_events
from workers import tasks

DUE = datetime.date(2027, 1, 15)


def on(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(7)), tick=False)


@pytest.fixture
def contributor(member):
    user = member(Role.CONTRIBUTOR, username="contributrice")
    user.email = "contributrice@example.org"
    user.save()
    return user


@pytest.fixture
def asked(org, qm, contributor):
    referential, _ = make_referential()
    with on(datetime.date(2026, 12, 1)):
        tailoring.adopt(qm, org, referential)
        engagement = audits.create_engagement(qm, org, {
            "kind": EngagementKind.INTERNAL, "referentials": [referential],
            "start_date": datetime.date(2027, 2, 10), "end_date": datetime.date(2027, 2, 11)})
        return services.create_request(qm, engagement, {
            "requirements": [Requirement.objects.get(referential=referential, ref_id="7.2")],
            "asked": "Registre des formations 2026", "due_date": DUE, "assignee": contributor})


def run(day):
    with on(day):
        return tasks.run_deadline_reminders()


def test_7_1_0_days_fire_once_each_on_their_days(asked, contributor, mailoutbox):
    assert run(datetime.date(2027, 1, 7)).reminders_created == 0
    for day, days in ((datetime.date(2027, 1, 8), 7), (datetime.date(2027, 1, 14), 1),
                      (DUE, 0)):
        result = run(day)
        assert (result.reminders_created, result.emails_sent) == (1, 1), str(result)
        assert run(day).reminders_created == 0  # a second run the same day sends nothing
        assert DeadlineReminder.objects.filter(threshold=days, sent_at__isnull=False,
                                               last_error="").count() == 1
    assert len(mailoutbox) == 3 and {tuple(m.to) for m in mailoutbox} == {
        ("contributrice@example.org",)}
    assert (f"Demande de preuve DP-{asked.pk:06d} (AI du Val) : Registre des formations 2026 — "
            "échéance le 15 janvier 2027, dans 7 jours") in mailoutbox[0].body
    assert "échéance aujourd’hui, 15 janvier 2027" in mailoutbox[2].body
    link = f"/settings/audits/{asked.engagement_id}/requests/{asked.pk}/"
    assert link in mailoutbox[0].body
    assert Notification.objects.filter(user=contributor,
                                       kind="deadline").count() == 3


def test_a_missed_week_sends_the_most_urgent_only(asked, mailoutbox):
    result = run(datetime.date(2027, 1, 20))
    assert (result.reminders_created, result.emails_sent) == (1, 1)  # the others: superseded
    assert len(mailoutbox) == 1 and "dépassée depuis 5 jours" in mailoutbox[0].body
    assert sorted(DeadlineReminder.objects.values_list("threshold", "last_error")) == [
        (0, ""), (1, "superseded"), (7, "superseded")]
    assert run(datetime.date(2027, 1, 27)).reminders_created == 0  # once overdue, once


def test_nothing_once_answered_and_unsent_reminders_close(asked, contributor, qm, org,
                                                          mailoutbox, settings):
    settings.EMAIL_BACKEND = "tests.notices.test_deadline_reminders.RefusesEverything"
    assert run(datetime.date(2027, 1, 8)).failed == 1  # recorded, not sent
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with on(datetime.date(2027, 1, 8)):
        services.add_answer(contributor, asked, EvidenceFactory(organization=org, created_by=qm))
        services.mark_answered(contributor, asked)
    result = run(datetime.date(2027, 1, 8))
    assert result.emails_sent == 0 and mailoutbox == []
    assert DeadlineReminder.objects.get().last_error == "obsolete"
    assert run(DUE).reminders_created == 0


def test_a_new_due_date_arms_the_thresholds_again(asked, qm, mailoutbox):
    run(datetime.date(2027, 1, 14))
    with on(datetime.date(2027, 1, 14)):
        services.update_request(qm, asked, {"due_date": datetime.date(2027, 1, 25)})
    assert run(datetime.date(2027, 1, 18)).reminders_created == 1
    assert len(mailoutbox) == 2


def test_an_unassigned_request_reminds_nobody(asked, qm, mailoutbox):
    with on(datetime.date(2026, 12, 2)):
        services.update_request(qm, asked, {"assignee": None})
    assert run(DUE).reminders_created == 0 and mailoutbox == []


def test_the_daily_command_runs_them(asked, mailoutbox):
    out = io.StringIO()
    with on(DUE):
        call_command("send_reminders", "--date", DUE.isoformat(), stdout=out)
    assert "deadlines: 1 new, 1 e-mails sent" in out.getvalue()


@pytest.fixture
def before_the_move(transactional_db):
    """notices as it was before the requests' reminders moved onto the deadline ledger; brought
    back to the latest migrations afterwards, whatever happens."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("notices", "0005_deadline_reminders")])
    try:
        yield MigrationExecutor(connection).loader.project_state(
            [("notices", "0005_deadline_reminders")]).apps
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        remove_audit_events()  # the trail is append-only: the flush after the test needs this


@pytest.mark.migrations
def test_reminders_already_sent_are_kept_when_they_move_to_the_deadline_ledger(
        before_the_move, contributor, qm, org, mailoutbox):
    referential, _ = make_referential()
    with on(datetime.date(2026, 12, 1)):
        tailoring.adopt(qm, org, referential)
        engagement = audits.create_engagement(qm, org, {
            "kind": EngagementKind.INTERNAL, "referentials": [referential],
            "start_date": datetime.date(2027, 2, 10), "end_date": datetime.date(2027, 2, 11)})
        asked = services.create_request(qm, engagement, {
            "requirements": [Requirement.objects.get(referential=referential, ref_id="7.2")],
            "asked": "Registre des formations 2026", "due_date": DUE, "assignee": contributor})
    before_the_move.get_model("notices", "RequestReminder").objects.create(
        evidence_request_id=asked.pk, due_date=DUE, threshold_days=7, user_id=contributor.pk,
        sent_at=datetime.datetime(2027, 1, 8, 7, tzinfo=datetime.UTC), attempts=1)

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    moved = DeadlineReminder.objects.get()
    assert (moved.key, moved.due_date, moved.threshold, moved.user_id, moved.organization_id,
            moved.attempts) == (f"audits.request:{asked.pk}", DUE, 7, contributor.pk, org.pk, 1)
    assert run(datetime.date(2027, 1, 9)).emails_sent == 0 and mailoutbox == []
