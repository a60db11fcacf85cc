"""Reminders of the deadlines apps announce (decision 0027), with the audits' own: each
surveillance or renewal audit a valid certificate needs and no recorded audit answers yet is
reminded to the structure's quality managers 90, 30 and 7 days before the date it must take
place by, and on that day; once an audit is recorded for it, nothing more goes out.

Frozen dates drive `timezone.localdate()`; e-mails go to Django's locmem outbox."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from audit_prep.models import UserPreference
from audit_prep.roles import Role
from audits.models import Certificate, Engagement, EngagementKind
from notices.models import DeadlineReminder, Notification
from tests.checklists.conftest import make_referential
from tests.notices.test_reminders import frozen
from workers import tasks

DECISION = datetime.date(2026, 3, 1)
FIRST_SURVEILLANCE_BY = datetime.date(2027, 3, 1)  # decision + 12 months
SITE = "https://qualite.example.org"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def certificate(org, qm):
    referential, _requirements = make_referential()
    return Certificate.objects.create(
        organization=org, referential=referential, certification_body="AFNOR Certification",
        decision_date=DECISION, expiry_date=datetime.date(2029, 2, 28), created_by=qm)


def run_on(day: datetime.date):
    with frozen(day):
        return tasks.run_deadline_reminders()


def days_before(days: int) -> datetime.date:
    return FIRST_SURVEILLANCE_BY - datetime.timedelta(days=days)


def test_quality_managers_are_reminded_to_plan_the_first_surveillance_90_days_ahead(
        certificate, org, qm, member):
    contributor = member(Role.CONTRIBUTOR)

    result = run_on(days_before(90))

    assert result.emails_sent == 1 and result.notifications == 1
    [message] = mail.outbox
    assert message.to == [qm.email]
    assert message.subject == "Rappel : 1 échéance"
    assert ("À planifier : premier audit de surveillance de ISO9001 avec AFNOR Certification "
            "(certificat du 1 mars 2026) — échéance le 1 mars 2027, dans 90 jours") in message.body
    assert f"{SITE}/structures/{org.pk}/settings/audits/" in message.body
    [notice] = Notification.objects.filter(user=qm)
    assert notice.link == f"/structures/{org.pk}/settings/audits/"
    assert not Notification.objects.filter(user=contributor).exists()


def test_each_threshold_goes_out_once(certificate, qm):
    run_on(days_before(90))
    assert run_on(days_before(90)).emails_sent == 0
    assert run_on(days_before(60)).emails_sent == 0
    assert run_on(days_before(30)).emails_sent == 1
    assert run_on(days_before(7)).emails_sent == 1
    assert run_on(FIRST_SURVEILLANCE_BY).emails_sent == 1
    assert run_on(FIRST_SURVEILLANCE_BY + datetime.timedelta(days=3)).emails_sent == 0
    assert len(mail.outbox) == 4
    assert "il y a 3 jours" not in mail.outbox[-1].body
    assert "échéance aujourd’hui, 1 mars 2027" in mail.outbox[-1].body


def test_a_stopped_beat_gives_one_reminder_not_a_burst(certificate, qm):
    assert run_on(days_before(5)).emails_sent == 1
    [message] = mail.outbox
    assert "dans 5 jours" in message.body
    rows = DeadlineReminder.objects.order_by("threshold")
    assert [(r.threshold, r.last_error) for r in rows] == [
        (7, ""), (30, "superseded"), (90, "superseded")]


def test_a_planned_audit_stops_the_reminders(certificate, org, qm):
    run_on(days_before(90))
    engagement = Engagement.objects.create(
        organization=org, kind=EngagementKind.SURVEILLANCE_1, certificate=certificate,
        start_date=datetime.date(2027, 2, 10), end_date=datetime.date(2027, 2, 11),
        created_by=qm)
    engagement.referentials.add(certificate.referential)
    assert run_on(days_before(30)).emails_sent == 0
    assert len(mail.outbox) == 1


class RefusesEverything(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("down")


def test_a_mail_server_outage_keeps_the_reminder_for_the_next_run(certificate, qm, settings):
    settings.EMAIL_BACKEND = "tests.notices.test_deadline_reminders.RefusesEverything"
    assert run_on(days_before(90)).failed == 1
    assert Notification.objects.filter(user=qm).count() == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run_on(days_before(89)).emails_sent == 1
    assert Notification.objects.filter(user=qm).count() == 1  # the notice was not repeated
    assert DeadlineReminder.objects.get().attempts == 2


def test_reminders_speak_each_persons_language_and_respect_the_opt_out(
        certificate, qm, member):
    english = member(Role.QUALITY_MANAGER, username="manager")
    UserPreference.objects.create(user=english, language="en")
    UserPreference.objects.create(user=qm, reminders_opt_out=True)

    result = run_on(days_before(30))

    assert result.emails_sent == 1 and result.notifications == 2
    [message] = mail.outbox
    assert message.to == [english.email]
    assert message.subject == "Reminder: 1 deadline"
    assert ("To plan: first surveillance audit of ISO9001 with AFNOR Certification "
            "(certificate of March 1, 2026) — due on March 1, 2027, in 30 days") in message.body


def test_an_expired_certificate_asks_for_nothing(certificate, qm):
    Certificate.objects.filter(pk=certificate.pk).update(expiry_date=datetime.date(2026, 12, 1))
    assert run_on(datetime.date(2026, 12, 5)).reminders_created == 0
