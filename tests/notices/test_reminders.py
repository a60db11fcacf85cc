"""Expiry reminders: the ledger sends each threshold once whatever the runs, workers and
outages; digests per recipient in their language; opt-out; escalation; notifications API.

Frozen dates (time_machine) drive `timezone.localdate()`; e-mails go to Django's locmem outbox.
"""

import datetime
import io
import smtplib
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.exceptions import Retry
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import trans_real

from audit_prep.models import AuditEvent, Membership, UserPreference
from audit_prep.roles import Role
from evidence.models import EvidenceItem, EvidenceStatus
from notices import reminders
from notices.models import Notification, Reminder, ReminderDelivery, ReminderPolicy
from tests.factories import EvidenceFactory, MembershipFactory, UserFactory
from workers import tasks
from workers.tasks import send_reminders

PARIS = ZoneInfo("Europe/Paris")
DAY = datetime.timedelta(days=1)
TODAY = datetime.date(2026, 3, 2)
SITE = "https://qualite.example.org"

# ---- proposed French translations of the new msgids. Until they are merged into
# locale/fr/LC_MESSAGES/django.po, the fixture below supplies those the shipped catalogue lacks,
# so that the French digest is checked for real text; once merged, the shipped ones are used.
FRENCH = {
    ("Reminder: %(count)d evidence item to renew", 0): "Rappel : %(count)d preuve à renouveler",
    ("Reminder: %(count)d evidence item to renew", 1): "Rappel : %(count)d preuves à renouveler",
    ("%(count)d evidence item to renew", 0): "%(count)d preuve à renouveler",
    ("%(count)d evidence item to renew", 1): "%(count)d preuves à renouveler",
    "expires today": "expire aujourd'hui",
    ("expires in %(days)d day", 0): "expire dans %(days)d jour",
    ("expires in %(days)d day", 1): "expire dans %(days)d jours",
    ("expired %(days)d day ago", 0): "expirée depuis %(days)d jour",
    ("expired %(days)d day ago", 1): "expirée depuis %(days)d jours",
    "%(title)s (%(structure)s): %(when)s": "%(title)s (%(structure)s) : %(when)s",
    "Hello %(name)s,": "Bonjour %(name)s,",
    "The following evidence items need your attention:":
        "Les preuves suivantes demandent votre attention :",
    "valid until %(date)s": "valable jusqu'au %(date)s",
    "escalated to the quality managers": "signalée aux responsables qualité",
    "You receive this e-mail as the owner of these evidence items or as a quality manager of "
    "their structure.": "Vous recevez ce courriel en tant que responsable de ces preuves ou "
    "responsable qualité de leur structure.",
    "To stop reminder e-mails, turn them off in your preferences: %(url)s":
        "Pour ne plus recevoir les rappels par courriel, désactivez-les dans vos préférences : "
        "%(url)s",
    "unread only": "non lues seulement",
    "Days before the end of validity at which a reminder is sent.":
        "Nombre de jours avant la fin de validité auxquels un rappel est envoyé.",
    "Each lead time can be given only once.": "Chaque délai ne peut figurer qu'une fois.",
}


@pytest.fixture(autouse=True)
def french_catalogue():
    catalogue = trans_real.translation("fr")._catalog
    added = [key for key in FRENCH if catalogue.get(key) is None]
    for key in added:
        catalogue[key] = FRENCH[key]
    yield
    for key in added:
        del catalogue._catalogs[0][key]


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def outbox(mailoutbox):
    return mailoutbox


class DownBackend(BaseEmailBackend):
    """A mail server that is down: every message is refused."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class UnreachableBackend(BaseEmailBackend):
    """A mail server that cannot be reached at all."""

    def open(self):
        raise ConnectionRefusedError(111, "Connection refused")

    def send_messages(self, email_messages):
        self.open()


@contextmanager
def frozen(day: datetime.date):
    with time_machine.travel(datetime.datetime.combine(day, datetime.time(7), tzinfo=PARIS),
                             tick=False):
        yield


def run_on(day: datetime.date) -> reminders.RunResult:
    with frozen(day):
        return reminders.run()


def evidence(org, owner, valid_until, **fields):
    fields.setdefault("effective_date", datetime.date(2025, 1, 1))
    return EvidenceFactory(organization=org, owner=owner, valid_until=valid_until, **fields)


def to(outbox, user):
    return [m for m in outbox if m.to == [user.email]]


def html_of(message):
    return next(content for content, mime in message.alternatives if mime == "text/html")


@pytest.fixture
def owner(member):
    return member(Role.CONTRIBUTOR, username="camille")


# ------------------------------------------------------------------------------ thresholds


class TestThresholds:
    def test_60_30_7_0_each_sent_once_on_the_right_day(self, org, owner, qm, outbox):
        end = TODAY + 70 * DAY
        item = evidence(org, owner, end, title="Attestation d'assurance")
        sent_on = {}
        day = TODAY
        while day <= end + 3 * DAY:
            before = len(outbox)
            run_on(day)
            run_on(day)  # a re-run the same day changes nothing
            if len(outbox) > before:
                assert len(outbox) == before + 1
                sent_on[(end - day).days] = outbox[-1]
            day += DAY
        assert sorted(sent_on) == [0, 7, 30, 60]
        assert {m.to[0] for m in sent_on.values()} == {owner.email}  # not the manager yet
        assert "expire dans 60 jours" in sent_on[60].body
        assert "expire dans 7 jours" in sent_on[7].body
        assert "expire aujourd'hui" in sent_on[0].body
        ledger = Reminder.objects.filter(evidence=item)
        assert sorted(ledger.values_list("threshold", flat=True)) == [0, 7, 30, 60]
        assert not ledger.filter(completed_at__isnull=True).exists()
        assert not ReminderDelivery.objects.filter(sent_at__isnull=True).exists()
        assert set(ReminderDelivery.objects.values_list("attempts", "last_error")) == {(1, "")}

    def test_rerun_the_same_day_sends_nothing(self, org, owner, outbox):
        evidence(org, owner, TODAY + 7 * DAY)
        first = run_on(TODAY)
        again = run_on(TODAY)
        assert (first.emails_sent, first.reminders_created) == (1, 3)  # 60, 30, 7 recorded
        assert (again.emails_sent, again.reminders_created, again.failed) == (0, 0, 0)
        assert len(outbox) == 1
        assert str(again) == ("reminders: 0 new, 0 e-mails sent, 0 failed, 0 opted out, "
                              "0 skipped (inactive, no address or refused address), "
                              "0 refused for good, "
                              "0 notifications")

    def test_fresh_evidence_inside_7_days_gets_one_line_for_the_most_urgent(
            self, org, owner, outbox):
        item = evidence(org, owner, TODAY + 3 * DAY)
        run_on(TODAY)
        (message,) = outbox
        assert message.body.count(item.title) == 1
        assert "expire dans 3 jours" in message.body
        rows = dict(Reminder.objects.values_list("threshold", "completed_at"))
        assert sorted(rows) == [7, 30, 60]
        assert all(rows.values())
        assert ReminderDelivery.objects.get().reminder.threshold == 7
        assert not run_on(TODAY + DAY).emails_sent

    def test_archived_evidence_is_never_reminded(self, org, owner, qm, outbox):
        evidence(org, owner, TODAY - 30 * DAY, status=EvidenceStatus.ARCHIVED,
                 archived_at=timezone.now(), archived_by=qm)
        evidence(org, owner, None)  # no end date either
        for offset in range(0, 40, 3):
            run_on(TODAY + offset * DAY)
        assert outbox == []
        assert not Reminder.objects.exists()

    def test_evidence_archived_while_a_delivery_is_pending_is_dropped(
            self, settings, org, owner, qm, outbox):
        item = evidence(org, owner, TODAY + 7 * DAY)
        settings.EMAIL_BACKEND = f"{__name__}.DownBackend"
        assert run_on(TODAY).failed == 1
        item.status, item.archived_at, item.archived_by = "archived", timezone.now(), qm
        item.save()
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        result = run_on(TODAY + DAY)
        assert (result.emails_sent, result.failed) == (0, 0)
        assert outbox == []
        delivery = ReminderDelivery.objects.get()
        assert delivery.sent_at is not None and delivery.last_error == "obsolete"


class TestBeatStopped:
    def test_next_run_sends_what_became_due_once_one_line_per_evidence(
            self, org, owner, outbox):
        a = evidence(org, owner, TODAY + 9 * DAY, title="Bilan pédagogique")
        b = evidence(org, owner, TODAY + 3 * DAY, title="Registre unique du personnel")
        run_on(TODAY)  # a: 30 days line; b: 7 days line
        assert len(outbox) == 1
        # beat stops for three days (TODAY+1..+3); meanwhile a new item is created
        c = evidence(org, owner, TODAY + 6 * DAY, title="Habilitation électrique")
        result = run_on(TODAY + 4 * DAY)
        assert result.emails_sent == 1
        message = outbox[-1]
        assert message.subject == "Rappel : 3 preuves à renouveler"
        for item, when in [(a, "expire dans 5 jours"), (b, "expirée depuis 1 jour"),
                           (c, "expire dans 2 jours")]:
            assert message.body.count(item.title) == 1
            assert f"- {item.title} — {when} (" in message.body
        assert sorted(Reminder.objects.filter(evidence=c).values_list("threshold", flat=True)) \
            == [7, 30, 60]
        assert run_on(TODAY + 4 * DAY).emails_sent == 0
        assert run_on(TODAY + 5 * DAY).emails_sent == 0
        assert run_on(TODAY + 6 * DAY).emails_sent == 1  # c reaches 0 days
        assert "Habilitation électrique — expire aujourd'hui" in outbox[-1].body
        assert len(outbox) == 3


class TestPolicyChanges:
    def test_removing_a_lead_time_neither_resends_nor_breaks(self, org, owner, outbox):
        policy = ReminderPolicy.objects.create(organization=org)
        evidence(org, owner, TODAY + 5 * DAY)
        assert run_on(TODAY).emails_sent == 1  # 7 days
        policy.lead_days = [60, 30, 14, 0]
        policy.save()
        assert [run_on(TODAY + n * DAY).emails_sent for n in range(0, 6)] == [0, 0, 0, 0, 0, 1]
        assert "expire aujourd'hui" in outbox[-1].body

    def test_adding_a_lead_time_reminds_when_it_is_the_most_urgent_due(self, org, owner,
                                                                         outbox):
        policy = ReminderPolicy.objects.create(organization=org)
        evidence(org, owner, TODAY + 10 * DAY)
        assert run_on(TODAY).emails_sent == 1  # 30 days
        policy.lead_days = [60, 30, 10, 7, 0]
        policy.save()
        assert run_on(TODAY).emails_sent == 1
        assert "expire dans 10 jours" in outbox[-1].body
        policy.lead_days = [90, 60, 30, 10, 7, 0]  # 90 is not back-filled: never sendable
        policy.save()
        assert run_on(TODAY + DAY).emails_sent == 0
        assert run_on(TODAY + 3 * DAY).emails_sent == 1

    def test_a_run_for_an_earlier_date_sends_nothing_more(self, org, owner, outbox):
        evidence(org, owner, TODAY + 10 * DAY)
        assert run_on(TODAY + 3 * DAY).emails_sent == 1  # 7 days
        assert run_on(TODAY).emails_sent == 0  # 30 days is less urgent than what was sent
        assert len(outbox) == 1


class TestConcurrency:
    def test_two_runs_send_once(self, org, owner, outbox):
        evidence(org, owner, TODAY + 30 * DAY)
        with frozen(TODAY):
            results = [reminders.run(), reminders.run()]
        assert [r.emails_sent for r in results] == [1, 0]
        assert Reminder.objects.count() == 2  # 60 and 30

    def test_rows_inserted_by_another_worker_are_not_sent_again(self, org, owner, outbox):
        done = evidence(org, owner, TODAY + 7 * DAY, title="Déjà envoyée")
        pending = evidence(org, owner, TODAY + 7 * DAY, title="En attente")
        # another worker recorded and sent `done`; it recorded `pending` but the mail failed
        for item, sent in [(done, timezone.now()), (pending, None)]:
            for threshold in (60, 30, 7):
                reminder = Reminder.objects.create(
                    evidence=item, valid_until=item.valid_until, threshold=threshold,
                    completed_at=timezone.now() if sent or threshold != 7 else None)
            ReminderDelivery.objects.create(reminder=reminder, user=owner, sent_at=sent,
                                            attempts=1, last_error="" if sent else "timeout")
        result = run_on(TODAY)
        assert (result.reminders_created, result.emails_sent) == (0, 1)
        (message,) = outbox
        assert "En attente" in message.body and "Déjà envoyée" not in message.body
        assert Reminder.objects.count() == 6
        assert not ReminderDelivery.objects.filter(sent_at__isnull=True).exists()
        with pytest.raises(IntegrityError), transaction.atomic():
            Reminder.objects.create(evidence=done, valid_until=done.valid_until, threshold=7)

    def test_a_run_while_another_worker_holds_the_lock_does_nothing(
            self, monkeypatch, org, owner, outbox):
        evidence(org, owner, TODAY + 7 * DAY)

        @contextmanager
        def held_elsewhere(name):
            yield False

        monkeypatch.setattr("workers.tasks.job_lock", held_elsewhere)
        with frozen(TODAY):
            result = tasks.run_reminders()
        assert result.locked and str(result).startswith("reminders: another worker")
        assert outbox == [] and not Reminder.objects.exists()


class TestRenewal:
    def test_renewed_evidence_starts_its_reminders_again(self, org, owner, outbox):
        item = evidence(org, owner, TODAY + 7 * DAY)
        run_on(TODAY)
        item.valid_until = TODAY + 365 * DAY
        item.save()
        assert run_on(TODAY + 7 * DAY).emails_sent == 0  # the old date is no longer due
        assert run_on(TODAY + 305 * DAY).emails_sent == 1
        assert "expire dans 60 jours" in outbox[-1].body
        assert Reminder.objects.filter(evidence=item, valid_until=item.valid_until,
                                       threshold=60).exists()
        assert Reminder.objects.filter(evidence=item).count() == 4  # 60/30/7 old + 60 new

    def test_a_delivery_still_pending_for_the_old_date_is_dropped(
            self, settings, org, owner, outbox):
        item = evidence(org, owner, TODAY + 7 * DAY)
        settings.EMAIL_BACKEND = f"{__name__}.DownBackend"
        run_on(TODAY)
        item.valid_until = TODAY + 400 * DAY
        item.save()
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert run_on(TODAY + DAY).emails_sent == 0
        assert ReminderDelivery.objects.get().last_error == "obsolete"


class TestOverdue:
    def test_weekly_reminders_while_overdue(self, org, owner, outbox):
        ReminderPolicy.objects.create(organization=org, escalate_after_days=100)
        end = TODAY
        evidence(org, owner, end)
        sent_days = []
        for offset in range(0, 23):
            if run_on(end + offset * DAY).emails_sent:
                sent_days.append(offset)
        assert sent_days == [0, 7, 14, 21]
        assert "expirée depuis 21 jours" in outbox[-1].body
        assert sorted(Reminder.objects.values_list("threshold", flat=True)) == \
            [-21, -14, -7, 0, 7, 30, 60]

    def test_no_weekly_reminder_when_the_structure_turned_it_off(self, org, owner, outbox):
        ReminderPolicy.objects.create(organization=org, overdue_weekly=False,
                                      escalate_after_days=100)
        evidence(org, owner, TODAY)
        assert [run_on(TODAY + n * DAY).emails_sent for n in range(0, 15)] == [1] + [0] * 14

    def test_escalation_to_quality_managers_after_n_days_overdue(self, org, owner, qm, member,
                                                                 outbox):
        other_qm = member(Role.QUALITY_MANAGER, username="direction")
        ReminderPolicy.objects.create(organization=org, escalate_after_days=10)
        item = evidence(org, owner, TODAY, title="Contrat de prestation")
        run_on(TODAY)
        run_on(TODAY + 7 * DAY)
        assert {m.to[0] for m in outbox} == {owner.email}
        assert not Reminder.objects.filter(escalated=True).exists()
        run_on(TODAY + 14 * DAY)
        escalated = outbox[2:]
        assert sorted(m.to[0] for m in escalated) == sorted(
            [owner.email, qm.email, other_qm.email])
        assert all("signalée aux responsables qualité" in m.body for m in escalated)
        assert Reminder.objects.get(evidence=item, threshold=-14).escalated

    def test_beat_stopped_past_escalation_escalates_at_once(self, org, owner, qm, outbox):
        evidence(org, owner, TODAY - 20 * DAY)  # never reminded: 20 days overdue (default 14)
        result = run_on(TODAY)
        assert result.emails_sent == 2 and result.reminders_created == 6  # 60/30/7/0/-7/-14
        assert Reminder.objects.get(threshold=-14).escalated
        assert "expirée depuis 20 jours" in to(outbox, qm)[0].body


class TestRecipients:
    def test_without_owner_the_quality_managers_are_told(self, org, qm, outbox):
        evidence(org, None, TODAY + 7 * DAY)
        run_on(TODAY)
        assert [m.to for m in outbox] == [[qm.email]]

    def test_an_owner_no_longer_member_falls_back_to_the_quality_managers(
            self, org, owner, qm, outbox):
        evidence(org, owner, TODAY + 7 * DAY)
        Membership.objects.filter(user=owner).delete()
        run_on(TODAY)
        assert [m.to for m in outbox] == [[qm.email]]

    def test_one_digest_per_recipient_grouped_by_structure(self, org, other_org, owner, outbox):
        MembershipFactory(user=owner, organization=other_org, role=Role.CONTRIBUTOR)
        evidence(other_org, owner, TODAY + 3 * DAY, title="Plan de formation")
        evidence(org, owner, TODAY + 30 * DAY, title="Politique qualité")
        evidence(org, owner, TODAY + 5 * DAY, title="Revue de direction")
        result = run_on(TODAY)
        assert result.emails_sent == 1 and result.notifications == 1
        body = outbox[0].body
        order = [body.index(s) for s in ("AI du Val", "Revue de direction", "Politique qualité",
                                         "Chantier voisin", "Plan de formation")]
        assert order == sorted(order)

    def test_opt_out_skips_the_email_but_keeps_the_notification(self, org, owner, outbox):
        UserPreference.objects.create(user=owner, reminders_opt_out=True, calendar_token="t1")
        evidence(org, owner, TODAY + 7 * DAY)
        result = run_on(TODAY)
        assert (result.emails_sent, result.skipped_opt_out) == (0, 1)
        assert outbox == []
        delivery = ReminderDelivery.objects.get()
        assert delivery.sent_at is not None and delivery.last_error == "opt-out"
        assert Notification.objects.filter(user=owner, kind="reminder_digest").count() == 1
        assert run_on(TODAY + DAY).skipped_opt_out == 0  # closed: not counted again

    def test_inactive_user_gets_nothing_and_the_delivery_is_closed(
            self, settings, org, owner, qm, outbox):
        evidence(org, None, TODAY + 7 * DAY)
        settings.EMAIL_BACKEND = f"{__name__}.DownBackend"
        run_on(TODAY)
        qm.is_active = False
        qm.save()
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        result = run_on(TODAY + DAY)
        assert (result.emails_sent, result.skipped_other, result.failed) == (0, 1, 0)
        assert ReminderDelivery.objects.get().last_error == "inactive"


# ------------------------------------------------------------------------------- languages


class TestDigest:
    def test_french_by_default_english_when_preferred(self, org, owner, member, outbox):
        english = member(Role.CONTRIBUTOR, username="alex")
        UserPreference.objects.create(user=english, language="en", calendar_token="t2")
        fr_item = evidence(org, owner, TODAY + 7 * DAY, title="Procédure d'accueil")
        en_item = evidence(org, english, TODAY + 7 * DAY, title="Welcome booklet")
        evidence(org, english, TODAY, title="Insurance certificate")
        run_on(TODAY)
        (fr,) = to(outbox, owner)
        (en,) = to(outbox, english)

        assert fr.subject == "Rappel : 1 preuve à renouveler"
        assert fr.body.startswith("Bonjour camille,")
        assert "Les preuves suivantes demandent votre attention :" in fr.body
        assert "- Procédure d'accueil — expire dans 7 jours (valable jusqu'au 9 mars 2026)" \
            in fr.body
        assert f"  {SITE}/evidence/{fr_item.pk}/" in fr.body
        assert "désactivez-les dans vos préférences : " \
            f"{SITE}/account/" in fr.body
        assert fr.from_email == "audit-prep <no-reply@audit-prep.local>"
        assert fr.extra_headers["Auto-Submitted"] == "auto-generated"

        assert en.subject == "Reminder: 2 evidence items to renew"
        assert en.body.startswith("Hello alex,")
        assert "- Insurance certificate — expires today (valid until March 2, 2026)" in en.body
        assert "- Welcome booklet — expires in 7 days (valid until March 9, 2026)" in en.body
        assert "turn them off in your preferences" in en.body

        html = html_of(fr)
        assert '<html lang="fr">' in html
        assert f'<a href="{SITE}/evidence/{fr_item.pk}/">Procédure d&#x27;accueil</a> — ' \
            "<strong>expire dans 7 jours</strong>" in html
        assert "(valable jusqu&#x27;au 9 mars 2026)" in html
        assert f'<a href="{SITE}/evidence/{en_item.pk}/">' in html_of(en)

        notes = {n.user_id: n for n in Notification.objects.all()}
        assert notes[owner.pk].title == "1 preuve à renouveler"
        assert notes[owner.pk].body == "Procédure d'accueil (AI du Val) : expire dans 7 jours"
        assert notes[owner.pk].link == f"{SITE}/evidence/{fr_item.pk}/"
        assert notes[english.pk].title == "2 evidence items to renew"
        assert notes[english.pk].link == f"{SITE}/evidence/?organization={org.pk}"


# ----------------------------------------------------------------------------- mail outage


class TestMailServerDown:
    def test_nothing_marked_sent_the_task_retries_then_sends_once(
            self, settings, org, owner, member, outbox):
        evidence(org, owner, TODAY + 7 * DAY)
        settings.EMAIL_BACKEND = f"{__name__}.DownBackend"
        with frozen(TODAY), pytest.raises(Retry, match=r"DeliveryFailed\(1\)"):
            send_reminders.apply()
        delivery = ReminderDelivery.objects.get()
        assert delivery.sent_at is None
        assert delivery.attempts == 1
        assert "SMTPServerDisconnected" in delivery.last_error
        assert Reminder.objects.get(threshold=7).completed_at is None
        assert Notification.objects.count() == 1  # in-app, once, whatever the retries

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        with frozen(TODAY + DAY):
            assert send_reminders.apply().get().startswith("reminders: 0 new, 1 e-mails sent")
        assert len(outbox) == 1
        assert "expire dans 6 jours" in outbox[0].body
        assert run_on(TODAY + 2 * DAY).emails_sent == 0
        assert Reminder.objects.get(threshold=7).completed_at is not None

    def test_unreachable_server_defers_the_rest_after_a_few_failures(self, settings, org,
                                                                     member, outbox):
        users = [member(Role.CONTRIBUTOR, username=f"u{i}") for i in range(5)]
        for user in users:
            evidence(org, user, TODAY + 7 * DAY)
        settings.EMAIL_BACKEND = f"{__name__}.UnreachableBackend"
        result = run_on(TODAY)
        assert (result.emails_sent, result.failed) == (0, 5)
        errors = sorted(ReminderDelivery.objects.values_list("attempts", "last_error"))
        assert [a for a, _e in errors] == [0, 0, 1, 1, 1]
        assert {e for _a, e in errors} == {
            "deferred: mail server unavailable",
            "ConnectionRefusedError: [Errno 111] Connection refused"}
        assert not ReminderDelivery.objects.filter(sent_at__isnull=False).exists()

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert run_on(TODAY).emails_sent == 5
        assert run_on(TODAY).emails_sent == 0
        assert len(outbox) == 5

    @contextmanager
    def refusing(self, settings, address, code, text):
        class RefusesOne(BaseEmailBackend):
            def send_messages(self, messages):
                if messages[0].to == [address]:
                    raise smtplib.SMTPRecipientsRefused({address: (code, text)})
                mail.outbox.extend(messages)
                return len(messages)

        settings.EMAIL_BACKEND = f"{__name__}.RefusesOneBackend"
        globals()["RefusesOneBackend"] = RefusesOne
        try:
            yield
        finally:
            del globals()["RefusesOneBackend"]

    def test_an_address_refused_for_good_is_closed_remembered_and_its_owner_told(
            self, settings, org, member, outbox):
        owners = [member(Role.CONTRIBUTOR, username=f"u{i}") for i in range(4)]
        for owner in owners:
            evidence(org, owner, TODAY + 7 * DAY)
        with self.refusing(settings, "u0@example.org", 550, b"5.1.1 user unknown"):
            result = run_on(TODAY)
            assert (result.emails_sent, result.failed, result.undeliverable) == (3, 0, 1)
            delivery = ReminderDelivery.objects.get(user=owners[0])
            assert delivery.sent_at is not None  # closed: retrying cannot help
            assert delivery.last_error == "undeliverable: 550 5.1.1 user unknown"
            assert UserPreference.objects.get(user=owners[0]).email_refused == "u0@example.org"
            notice = Notification.objects.get(user=owners[0], kind="email_refused")
            assert notice.title == "Les courriels de rappel à u0@example.org sont refusés"
            assert not Notification.objects.filter(kind="email_refused").exclude(
                user=owners[0]).exists()
            # The reminder itself still shows in the application.
            assert Notification.objects.filter(user=owners[0], kind="reminder_digest").exists()

            # The next reminder (the 0-day threshold) is not e-mailed to the refused address.
            later = run_on(TODAY + 7 * DAY)
        assert (later.emails_sent, later.undeliverable, later.skipped_other) == (3, 0, 1)
        assert ReminderDelivery.objects.filter(user=owners[0],
                                               last_error="refused-address").count() == 1
        assert Notification.objects.filter(kind="email_refused").count() == 1
        assert Notification.objects.filter(user=owners[0], kind="reminder_digest").count() == 2

        # A corrected address gets the e-mails again.
        owners[0].email = "u0@example.net"
        owners[0].save()
        evidence(org, owners[0], TODAY + 30 * DAY)
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert run_on(TODAY + 8 * DAY).emails_sent >= 1
        assert [m.to for m in outbox][-1:] == [["u0@example.net"]]

    @pytest.mark.parametrize(("code", "text"), [
        (554, b"5.7.1 Relay access denied"), (530, b"5.7.0 Authentication required")])
    def test_a_server_refusing_us_closes_nothing_and_defers_the_rest(
            self, settings, org, member, outbox, code, text):
        class RefusesAll(BaseEmailBackend):
            def send_messages(self, messages):
                raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (code, text)})

        for i in range(5):
            evidence(org, member(Role.CONTRIBUTOR, username=f"u{i}"), TODAY + 7 * DAY)
        settings.EMAIL_BACKEND = f"{__name__}.RefusesAllBackend"
        globals()["RefusesAllBackend"] = RefusesAll
        try:
            result = run_on(TODAY)
        finally:
            del globals()["RefusesAllBackend"]
        assert (result.emails_sent, result.failed, result.undeliverable) == (0, 5, 0)
        errors = sorted(ReminderDelivery.objects.values_list("last_error", flat=True))
        assert errors.count("deferred: mail server unavailable") == 2  # after 3 in a row
        assert not ReminderDelivery.objects.filter(sent_at__isnull=False).exists()
        assert not Notification.objects.filter(kind="email_refused").exists()
        assert not UserPreference.objects.exclude(email_refused="").exists()

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert run_on(TODAY).emails_sent == 5  # fixed server: everyone gets their reminder

    def test_a_bare_550_without_status_is_tried_again(self, settings, org, member, outbox):
        owner = member(Role.CONTRIBUTOR, username="u0")
        evidence(org, owner, TODAY + 7 * DAY)
        with self.refusing(settings, "u0@example.org", 550, b"Rejected"):
            result = run_on(TODAY)
        assert (result.failed, result.undeliverable) == (1, 0)
        assert ReminderDelivery.objects.get(user=owner).sent_at is None

    def test_an_address_refused_for_now_is_tried_again(self, settings, org, member, outbox):
        owners = [member(Role.CONTRIBUTOR, username=f"u{i}") for i in range(2)]
        for owner in owners:
            evidence(org, owner, TODAY + 7 * DAY)
        with self.refusing(settings, "u0@example.org", 452, b"4.2.2 mailbox full"):
            result = run_on(TODAY)
        assert (result.emails_sent, result.failed, result.undeliverable) == (1, 1, 0)
        delivery = ReminderDelivery.objects.get(user=owners[0])
        assert delivery.sent_at is None and delivery.attempts == 1
        assert not Notification.objects.filter(kind="email_refused").exists()

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert run_on(TODAY + DAY).emails_sent == 1
        assert len(to(outbox, owners[0])) == 1


# ---------------------------------------------------------------------------- query budget


def test_queries_do_not_grow_with_the_number_of_items(org, owner, qm):
    def queries_for(count, day):
        EvidenceItem.objects.update(status="archived", archived_at=timezone.now())
        for _ in range(count):
            evidence(org, owner, day + 7 * DAY)
        with frozen(day), CaptureQueriesContext(connection) as captured:
            assert reminders.run().emails_sent == 1
        return len(captured)

    run_on(TODAY - 10 * DAY)  # first run ever: creates the job's lock row
    # 40 items x 3 thresholds stay within one SQLite insert batch (999 parameters); beyond,
    # bulk_create adds one query per batch of rows, not per item
    assert queries_for(3, TODAY) == queries_for(40, TODAY + 100 * DAY)


# ---------------------------------------------------------------------- management command


def test_management_command_prints_the_summary(org, owner, outbox):
    evidence(org, owner, datetime.date(2026, 5, 1))
    out = io.StringIO()
    call_command("send_reminders", "--date", "2026-03-02", stdout=out)
    assert out.getvalue().strip().splitlines()[0] == (
        "reminders: 1 new, 1 e-mails sent, 0 failed, 0 opted out, "
        "0 skipped (inactive, no address or refused address), 0 refused for good, "
        "1 notifications")
    with pytest.raises(CommandError):
        call_command("send_reminders", "--date", "2026-02-30")


def test_management_command_fails_when_the_mail_server_is_down(settings, org, owner):
    evidence(org, owner, datetime.date(2026, 3, 9))
    settings.EMAIL_BACKEND = f"{__name__}.DownBackend"
    with pytest.raises(CommandError, match="1 digest"):
        call_command("send_reminders", "--date", "2026-03-02", stdout=io.StringIO())


# --------------------------------------------------------------------------------------- API


class TestNotificationsApi:
    @pytest.fixture
    def notified(self, org, owner, member):
        evidence(org, owner, TODAY + 7 * DAY)
        run_on(TODAY)
        return Notification.objects.get(user=owner)

    def test_own_notifications_only(self, client_for, notified, owner, qm, outsider):
        body = client_for(owner).get("/api/v1/notifications/").json()
        assert [n["id"] for n in body["results"]] == [notified.pk]
        assert body["results"][0]["kind"] == "reminder_digest"
        for user in (qm, outsider):
            client = client_for(user)
            assert client.get("/api/v1/notifications/").json()["results"] == []
            assert client.get(f"/api/v1/notifications/{notified.pk}/").status_code == 404
            assert client.post(f"/api/v1/notifications/{notified.pk}/read/").status_code == 404
            assert client.post("/api/v1/notifications/read-all/").json() == {"updated": 0}
        notified.refresh_from_db()
        assert notified.read_at is None
        assert client_for().get("/api/v1/notifications/").status_code == 401

    def test_mark_read_and_filter_unread(self, client_for, notified, owner):
        other = Notification.objects.create(user=owner, kind="integrity", title="x")
        client = client_for(owner)
        assert len(client.get("/api/v1/notifications/?unread=true").json()["results"]) == 2
        response = client.post(f"/api/v1/notifications/{notified.pk}/read/")
        assert response.status_code == 200 and response.json()["read_at"]
        unread = client.get("/api/v1/notifications/?unread=true").json()["results"]
        assert [n["id"] for n in unread] == [other.pk]
        assert client.post("/api/v1/notifications/read-all/").json() == {"updated": 1}
        assert client.get("/api/v1/notifications/?unread=true").json()["results"] == []
        assert len(client.get("/api/v1/notifications/?unread=false").json()["results"]) == 2


class TestPreferencesApi:
    def test_created_lazily_then_changed(self, client_for, owner):
        client = client_for(owner)
        assert client.get("/api/v1/me/preferences/").json() == {
            "language": "fr", "reminders_opt_out": False, "email_refused": ""}
        token = UserPreference.objects.get(user=owner).calendar_token
        assert len(token) >= 40
        response = client.patch("/api/v1/me/preferences/",
                                {"language": "en", "reminders_opt_out": True})
        assert response.json() == {"language": "en", "reminders_opt_out": True,
                                   "email_refused": ""}
        preference = UserPreference.objects.get(user=owner)
        assert (preference.language, preference.reminders_opt_out) == ("en", True)
        assert preference.calendar_token == token

    def test_a_refused_address_shows_and_can_only_be_cleared(self, client_for, owner):
        client = client_for(owner)
        client.get("/api/v1/me/preferences/")
        UserPreference.objects.filter(user=owner).update(email_refused=owner.email)
        assert client.get("/api/v1/me/preferences/").json()["email_refused"] == owner.email

        response = client.patch("/api/v1/me/preferences/", {"email_refused": "x@example.org"})
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["email_refused"][0]["code"] == "clear_only"
        assert UserPreference.objects.get(user=owner).email_refused == owner.email

        response = client.patch("/api/v1/me/preferences/", {"email_refused": ""})
        assert response.status_code == 200
        assert UserPreference.objects.get(user=owner).email_refused == ""

    def test_invalid_language_and_anonymous(self, client_for, owner):
        response = client_for(owner).patch("/api/v1/me/preferences/", {"language": "de"})
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["language"][0]["code"] == "invalid_choice"
        assert client_for().get("/api/v1/me/preferences/").status_code == 401

    def test_tokens_are_distinct(self, client_for, owner, qm):
        client_for(owner).get("/api/v1/me/preferences/")
        client_for(qm).get("/api/v1/me/preferences/")
        assert UserPreference.objects.values("calendar_token").distinct().count() == 2


class TestPolicyApi:
    def test_defaults_until_changed(self, client_for, org, qm, owner):
        url = f"/api/v1/reminder-policies/{org.pk}/"
        expected = {"organization": org.pk, "lead_days": [60, 30, 7, 0],
                    "overdue_weekly": True, "escalate_after_days": 14,
                    "audit_gap_weeks": [8, 4, 2]}
        assert client_for(owner).get(url).json() == expected
        assert client_for(qm).get("/api/v1/reminder-policies/").json()["results"] == [expected]
        assert not ReminderPolicy.objects.exists()

    def test_quality_manager_changes_it_others_cannot(self, client_for, org, qm, owner,
                                                      outsider):
        url = f"/api/v1/reminder-policies/{org.pk}/"
        change = {"lead_days": [7, 90, 14], "escalate_after_days": 3}
        assert client_for(owner).patch(url, change).status_code == 403
        assert client_for(outsider).patch(url, change).status_code == 404
        assert client_for(outsider).get(url).status_code == 404
        assert client_for().get(url).status_code == 401
        assert not ReminderPolicy.objects.exists()
        response = client_for(qm).patch(url, change)
        assert response.status_code == 200
        assert response.json()["lead_days"] == [90, 14, 7]
        policy = ReminderPolicy.objects.get(organization=org)
        assert (policy.lead_days, policy.escalate_after_days) == ([90, 14, 7], 3)
        event = AuditEvent.objects.get(action="reminder_policy.update")
        assert event.after["lead_days"] == [90, 14, 7] and event.before["lead_days"] == \
            [60, 30, 7, 0]
        assert client_for(qm).put(url, change).status_code == 405

    @pytest.mark.parametrize("lead_days", [[], [7, 7], [366], [-1], list(range(11)), ["x"],
                                           "7", [True]])
    def test_lead_days_are_validated(self, client_for, org, qm, lead_days):
        response = client_for(qm).patch(f"/api/v1/reminder-policies/{org.pk}/",
                                        {"lead_days": lead_days})
        assert response.status_code == 400, response.json()
        assert "lead_days" in response.json()["error"]["fields"]
        assert not ReminderPolicy.objects.exists()

    def test_runs_follow_the_structures_lead_times(self, client_for, org, qm, owner, outbox):
        client_for(qm).patch(f"/api/v1/reminder-policies/{org.pk}/", {"lead_days": [14]})
        evidence(org, owner, TODAY + 20 * DAY)
        sent = [n for n in range(21) if run_on(TODAY + n * DAY).emails_sent]
        assert sent == [6]  # 14 days before the end only (then weekly once overdue)


def test_structures_without_any_policy_row_use_the_defaults(org, other_org, owner, outbox):
    ReminderPolicy.objects.create(organization=other_org, lead_days=[3])
    evidence(org, owner, TODAY + 30 * DAY)
    assert run_on(TODAY).emails_sent == 1
    user = UserFactory(username="voisine")
    MembershipFactory(user=user, organization=other_org)
    evidence(other_org, user, TODAY + 30 * DAY)
    assert run_on(TODAY).emails_sent == 0  # 3 days before the end there
    run_on(TODAY + 27 * DAY)
    assert len(to(outbox, user)) == 1
    assert "expire dans 3 jours" in to(outbox, user)[0].body
