"""Gap digests before the audit (issue 10, item 9): at 8, 4 and 2 weeks (per structure) before
an adoption's target audit date, the quality managers get one digest of what still fails ON that
date, as the checklist built on that date says: missing requirements, failed stage-1 gates,
evidence expired by then, evidence not counting yet. Exactly once per threshold and target date,
in each recipient's language, nothing when nothing fails.

Frozen dates (time_machine) drive `timezone.localdate()`; e-mails go to Django's locmem outbox.
"""

import datetime
import io
import smtplib
import threading
from contextlib import contextmanager

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import IntegrityError, connection, connections, transaction
from django.utils import translation

from audit_prep.models import AuditEvent, UserPreference
from audit_prep.roles import Role
from checklists.models import Adoption, EvidenceLink, Requirement
from checklists.services import checklist
from notices.models import AuditGapDelivery, AuditGapReminder, Notification, ReminderPolicy
from notices.reminders import gaps
from populations.models import EvidenceMember, Member, Population
from tests.checklists.conftest import make_referential
from tests.factories import EvidenceFactory, evidence_with_file
from tests.notices.test_reminders import PARIS, frozen
from workers import tasks

DAY = datetime.timedelta(days=1)
TARGET = datetime.date(2027, 3, 15)
WEEKS_8, WEEKS_4, WEEKS_2 = (TARGET - datetime.timedelta(weeks=n) for n in (8, 4, 2))
SITE = "https://qualite.example.org"
PATHWAY = "employees_in_pathway"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE


def run_on(day: datetime.date) -> gaps.GapRunResult:
    with frozen(day):
        return tasks.run_gap_digests()


class RefusesQualite(BaseEmailBackend):
    """A mail server that refuses qualite@example.org for good (5.1.1)."""

    def send_messages(self, messages):
        if messages[0].to == ["qualite@example.org"]:
            raise smtplib.SMTPRecipientsRefused(
                {"qualite@example.org": (550, b"5.1.1 user unknown")})
        mail.outbox.extend(messages)
        return len(messages)


def approved(org, user, title, **fields):
    return evidence_with_file(org, user, title=title, status="approved",
                              approved_at=datetime.datetime(2026, 6, 1, tzinfo=PARIS), **fields)


def tag(evidence, requirement, user):
    EvidenceLink.objects.create(evidence=evidence, requirement=requirement, created_by=user)


def language(user, code):
    UserPreference.objects.update_or_create(user=user, defaults={
        "language": code, "calendar_token": f"token-{user.pk}"})


@pytest.fixture
def iso(db):
    return make_referential()


@pytest.fixture
def adoption(iso, org, qm):
    return Adoption.objects.create(organization=org, referential=iso[0], adopted_by=qm,
                                   target_audit_date=TARGET)


@pytest.fixture
def vault(org, qm, iso):
    """On the audit date: 4.3 covered, 7.2 expired (its certificate ends on 28 February 2027),
    9.3.3 covered, 9.2.2 pending (a draft), 6.2.1, 6.2.2, 7.5.3 and 8.3 missing; the internal
    audit gate fails (no internal audit record)."""
    _ref, req = iso
    tag(approved(org, qm, "Périmètre du SMQ", effective_date=datetime.date(2026, 6, 1)),
        req["4.3"], qm)
    tag(approved(org, qm, "Attestation SST Dupont", kind="record",
                 effective_date=datetime.date(2025, 3, 1),
                 valid_until=datetime.date(2027, 2, 28)), req["7.2"], qm)
    tag(approved(org, qm, "Revue de direction 2026", kind="record",
                 effective_date=datetime.date(2026, 12, 1)), req["9.3.3"], qm)
    tag(EvidenceFactory(organization=org, created_by=qm, title="Audit interne (brouillon)"),
        req["9.2.2"], qm)
    return req


def on_target(adoption, lang="en"):
    with translation.override(lang):
        return checklist.build(adoption, on=TARGET)


# ------------------------------------------------------------------------------ thresholds


class TestThresholds:
    def test_8_4_2_weeks_fire_exactly_once_each_on_their_days(self, org, qm, member, adoption,
                                                              vault, mailoutbox):
        second = member(Role.QUALITY_MANAGER, username="seconde")
        contributor = member(Role.CONTRIBUTOR, username="contrib")
        sent_days = []
        day = TARGET - 70 * DAY
        while day <= TARGET + 3 * DAY:
            result = run_on(day)
            if result.emails_sent:
                sent_days.append((day, result.emails_sent))
            day += DAY
        assert sent_days == [(WEEKS_8, 2), (WEEKS_4, 2), (WEEKS_2, 2)]
        assert {tuple(m.to) for m in mailoutbox} == {(qm.email,), (second.email,)}
        assert contributor.email not in {m.to[0] for m in mailoutbox}
        assert sorted(AuditGapReminder.objects.values_list("threshold_weeks", flat=True)) == \
            [2, 4, 8]
        assert not AuditGapDelivery.objects.filter(sent_at__isnull=True).exists()
        assert AuditGapReminder.objects.filter(completed_at__isnull=True).count() == 0
        # A second run the same day sends nothing more.
        assert run_on(WEEKS_2).emails_sent == 0

    def test_a_date_set_late_sends_only_the_most_urgent_threshold(self, org, qm, iso, vault,
                                                                  mailoutbox):
        Adoption.objects.create(organization=org, referential=iso[0], adopted_by=qm,
                                target_audit_date=WEEKS_2 + 10 * DAY + 14 * DAY)
        # 24 days ahead: 8 and 4 weeks are past; the 4-week digest is the one due.
        result = run_on(WEEKS_2)
        assert (result.thresholds_recorded, result.emails_sent) == (2, 1)
        assert "dans 24 jours" in mailoutbox[0].body
        assert [run_on(WEEKS_2 + n * DAY).emails_sent for n in range(1, 11)] == \
            [0] * 9 + [1]  # then the 2-week one, on its day
        assert AuditGapReminder.objects.count() == 3

    def test_a_date_already_passed_or_today_sends_nothing(self, org, qm, adoption, vault,
                                                          mailoutbox):
        assert run_on(TARGET).emails_sent == 0
        assert run_on(TARGET + 30 * DAY).emails_sent == 0
        assert not AuditGapReminder.objects.exists()
        Adoption.objects.filter(pk=adoption.pk).update(target_audit_date=None)
        assert run_on(WEEKS_8).emails_sent == 0

    def test_changing_the_target_date_rearms_the_thresholds(self, client_for, org, qm,
                                                            adoption, vault, mailoutbox):
        run_on(WEEKS_8)
        run_on(WEEKS_4)
        assert len(mailoutbox) == 2
        new_target = TARGET + 63 * DAY  # postponed by nine weeks
        with frozen(WEEKS_4):
            response = client_for(qm).patch(f"/api/v1/adoptions/{adoption.pk}/",
                                            {"target_audit_date": new_target.isoformat()},
                                            format="json")
        assert response.status_code == 200, response.json()
        days = [d for d in (WEEKS_4 + n * DAY for n in range(120)) if run_on(d).emails_sent]
        assert days == [new_target - datetime.timedelta(weeks=n) for n in (8, 4, 2)]
        assert AuditGapReminder.objects.filter(target_audit_date=new_target).count() == 3
        assert AuditGapReminder.objects.filter(target_audit_date=TARGET).count() == 2
        assert "17 mai 2027" in mailoutbox[-1].subject

    def test_an_unsent_digest_for_an_old_date_is_dropped(self, settings, org, qm, adoption,
                                                         vault, mailoutbox):
        settings.EMAIL_BACKEND = "tests.notices.test_reminders.DownBackend"
        assert run_on(WEEKS_8).failed == 1
        Adoption.objects.filter(pk=adoption.pk).update(target_audit_date=TARGET + 365 * DAY)
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert run_on(WEEKS_8 + DAY).emails_sent == 0
        delivery = AuditGapDelivery.objects.get()
        assert delivery.last_error == "obsolete" and delivery.sent_at is not None

    def test_the_structures_own_thresholds(self, client_for, org, qm, adoption, vault,
                                           mailoutbox):
        response = client_for(qm).patch(f"/api/v1/reminder-policies/{org.pk}/",
                                         {"audit_gap_weeks": [1, 6]}, format="json")
        assert response.status_code == 200, response.json()
        days = [d for d in (TARGET - n * DAY for n in range(70, 0, -1)) if run_on(d).emails_sent]
        assert days == [TARGET - 42 * DAY, TARGET - 7 * DAY]

    def test_no_thresholds_no_digest(self, client_for, org, qm, adoption, vault, mailoutbox):
        response = client_for(qm).patch(f"/api/v1/reminder-policies/{org.pk}/",
                                         {"audit_gap_weeks": []}, format="json")
        assert response.status_code == 200 and response.json()["audit_gap_weeks"] == []
        for day in (WEEKS_8, WEEKS_4, WEEKS_2):
            assert run_on(day).thresholds_recorded == 0
        assert mailoutbox == []


# ------------------------------------------------------------------------------ content


class TestContent:
    def test_lists_what_fails_on_the_audit_date_in_english(self, org, qm, adoption, vault,
                                                           mailoutbox):
        language(qm, "en")
        # An audit report without the programme: the gate fails and names what it used.
        tag(approved(org, qm, "Rapport d'audit interne 2026", kind="record",
                     effective_date=datetime.date(2026, 12, 1)), vault["9.2.2"], qm)
        run_on(WEEKS_8)
        (message,) = mailoutbox
        expected = on_target(adoption, "en")
        missing = [i for i in expected["items"] if i["status"] == "missing"]
        failed_gates = [g for g in expected["gates"] if not g["passed"]]
        assert {"6.2.1", "6.2.2", "7.5.3", "8.3"} <= {i["ref_id"] for i in missing}
        count = len(failed_gates) + sum(i["status"] in ("missing", "expired", "pending")
                                        for i in expected["items"])
        assert message.subject == (f"Referential iso9001 audit on March 15, 2027: {count} "
                                   "points still fail")
        body = message.body
        assert "Hello" in body and "in 56 days" in body
        assert "Missing requirements:" in body
        for item in missing:
            assert f"- {item['ref_id']} {item['name']}" in body
        assert "- 4.3 " not in body and "- 9.3.3 " not in body  # covered on the audit date
        assert "Stage-1 gates that fail:" in body
        gate = next(g for g in failed_gates if g["code"] == "internal_audit")
        assert f"- {gate['label']}: {gate['message']}\n    Rapport d'audit interne 2026\n" in body
        assert [e["title"] for e in gate["evidence"]] == ["Rapport d'audit interne 2026"]
        assert "Evidence that will have expired by the audit date:" in body
        assert "- 7.2 Requirement 7.2\n    Attestation SST Dupont (valid until" in body
        assert "9.2.2" not in body  # the report counts: 9.2.2 is covered (pending: in French)
        assert f"{SITE}/checklists/{adoption.pk}/?date=2027-03-15" in body
        html = next(c for c, mime in message.alternatives if mime == "text/html")
        assert '<html lang="en">' in html and "Attestation SST Dupont" in html
        assert "<li>6.2.1 Requirement 6.2.1</li>" in html

    def test_the_digest_follows_the_checklist_not_today(self, org, qm, adoption, vault,
                                                        mailoutbox):
        """On the 8-week day the certificate is still valid (the checklist of today says
        covered), but the digest looks at the audit date."""
        with translation.override("en"):
            today = {i["ref_id"]: i for i in checklist.build(adoption, on=WEEKS_8)["items"]}
        assert today["7.2"]["status"] == "covered"
        language(qm, "en")
        run_on(WEEKS_8)
        assert "Attestation SST Dupont" in mailoutbox[0].body

    def test_in_french(self, org, qm, adoption, vault, mailoutbox):
        run_on(WEEKS_8)  # no preference: the site's language, French
        (message,) = mailoutbox
        body = message.body
        assert message.subject.startswith("Audit Référentiel iso9001 du 15 mars 2027 : ")
        assert "Bonjour" in body and "dans 56 jours" in body
        assert "Exigences manquantes :" in body
        assert "- 6.2.1 Exigence 6.2.1 — œuvre" in body
        assert "Prérequis de l'étape 1 non satisfaits :" in body
        assert "Preuves qui auront expiré à la date de l'audit :" in body
        assert "Attestation SST Dupont (valable jusqu'au 28 février 2027)" in body
        assert "Preuves reliées qui ne comptent pas encore :" in body
        expected = on_target(adoption, "fr")
        pending = next(i for i in expected["items"] if i["ref_id"] == "9.2.2")
        assert f"- 9.2.2 Exigence 9.2.2 — œuvre : {pending['reason_label']}\n" in body
        for gate in (g for g in expected["gates"] if not g["passed"]):
            assert f"- {gate['label']} : {gate['message']}\n" in body
        html = next(c for c, mime in message.alternatives if mime == "text/html")
        assert '<html lang="fr">' in html

    def test_each_recipient_in_their_language(self, org, qm, member, adoption, vault,
                                              mailoutbox):
        english = member(Role.QUALITY_MANAGER, username="english")
        language(english, "en")
        run_on(WEEKS_8)
        by_user = {m.to[0]: m for m in mailoutbox}
        assert "Bonjour" in by_user[qm.email].body
        assert "Hello" in by_user[english.email].body

    def test_an_in_app_notification_too(self, client_for, org, qm, adoption, vault):
        run_on(WEEKS_8)
        (notification,) = Notification.objects.filter(kind="audit_gaps")
        assert (notification.user, notification.organization) == (qm, org)
        assert notification.link.endswith(f"/checklists/{adoption.pk}/?date=2027-03-15")
        body = client_for(qm).get("/api/v1/notifications/?kind=audit_gaps").json()
        assert body["results"][0]["title"].startswith("Audit Référentiel iso9001")

    def test_members_not_covered_on_the_audit_date_are_named(self, org, qm, mailoutbox):
        """A requirement applying to each employee in pathway: the digest says "2 / 3" and
        names (pseudonymously) the one without a PASS, and the one whose PASS ends before."""
        referential, req = make_referential(code="fr-siae", clauses=[
            ("R", None, [], None), ("PASS-IAE", "R", ["retain"], 24)])
        Requirement.objects.filter(pk=req["PASS-IAE"].pk).update(per_member=PATHWAY)
        Adoption.objects.create(organization=org, referential=referential, adopted_by=qm,
                                target_audit_date=TARGET)
        population = Population.objects.create(organization=org, kind=PATHWAY, created_by=qm)
        for n, end in ((1, datetime.date(2027, 9, 1)), (2, None), (3, TARGET - DAY)):
            person = Member.objects.create(population=population, reference=f"{n:04d}",
                                           initials="AB", entry_date=datetime.date(2026, 1, 5))
            if end is None:
                continue
            proof = approved(org, qm, f"PASS {n}", kind="record", valid_until=end,
                             effective_date=datetime.date(2026, 1, 5))
            tag(proof, req["PASS-IAE"], qm)
            EvidenceMember.objects.create(evidence=proof, member=person, created_by=qm)
        run_on(WEEKS_8)
        body = mailoutbox[0].body
        with translation.override("fr"):
            item = next(i for i in checklist.build(
                Adoption.objects.get(referential=referential), on=TARGET)["items"]
                if i["ref_id"] == "PASS-IAE")
        label = item["members"]["label"]
        assert label == "1 / 3 couvert"
        assert f"PASS-IAE Exigence PASS-IAE — œuvre\n    {label}\n    0002 AB : " in body
        assert "    0003 AB : " in body

    def test_nothing_fails_no_digest(self, org, qm, mailoutbox):
        """A referential without gates, every requirement covered on the audit date: the
        threshold is used up, nothing is sent (an "all clear" weeks ahead would be noise)."""
        referential, req = make_referential(code="cedre", version="2020", clauses=[
            ("1", None, [], None), ("1.1", "1", ["maintain"], None),
            ("1.2", "1", ["retain"], None)])
        adoption = Adoption.objects.create(organization=org, referential=referential,
                                           adopted_by=qm, target_audit_date=TARGET)
        procedure = approved(org, qm, "Procédure", effective_date=datetime.date(2026, 6, 1))
        tag(procedure, req["1.1"], qm)
        tag(procedure, req["1.2"], qm)
        result = run_on(WEEKS_8)
        assert (result.thresholds_recorded, result.emails_sent, result.all_clear) == (1, 0, 1)
        assert mailoutbox == [] and not Notification.objects.exists()
        delivery = AuditGapDelivery.objects.get()
        assert delivery.last_error == "all-clear" and delivery.sent_at is not None
        # Four weeks later the procedure has been archived: 1.1 and 1.2 fail, the digest goes.
        procedure.status, procedure.archived_at = "archived", procedure.approved_at
        procedure.save()
        assert run_on(WEEKS_4).emails_sent == 1
        assert "1.1" in mailoutbox[0].body and adoption.referential.code in mailoutbox[0].subject


# ------------------------------------------------------------------------------ recipients


class TestRecipients:
    def test_opt_out_inactive_and_no_address_like_the_expiry_digest(
            self, org, qm, member, adoption, vault, mailoutbox):
        opted_out = member(Role.QUALITY_MANAGER, username="optout")
        UserPreference.objects.create(user=opted_out, reminders_opt_out=True,
                                      calendar_token="t-opt")
        no_address = member(Role.QUALITY_MANAGER, username="sansmail")
        no_address.email = ""
        no_address.save()
        gone = member(Role.QUALITY_MANAGER, username="partie")
        result = run_on(WEEKS_8 - DAY)
        assert result.emails_sent == 0
        gone.is_active = False
        gone.save()
        result = run_on(WEEKS_8)
        assert (result.emails_sent, result.skipped_opt_out, result.skipped_other) == (1, 1, 1)
        assert [m.to for m in mailoutbox] == [[qm.email]]
        notified = set(Notification.objects.values_list("user__username", flat=True))
        assert notified == {"qualite", "optout", "sansmail"}  # not the inactive user
        reasons = dict(AuditGapDelivery.objects.values_list("user__username", "last_error"))
        assert reasons == {"qualite": "", "optout": "opt-out", "sansmail": "no-email"}

    def test_a_mail_server_failure_is_retried_once(self, settings, org, qm, adoption, vault,
                                                   mailoutbox):
        settings.EMAIL_BACKEND = "tests.notices.test_reminders.DownBackend"
        result = run_on(WEEKS_8)
        assert (result.emails_sent, result.failed) == (0, 1)
        assert Notification.objects.filter(kind="audit_gaps").count() == 1
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert run_on(WEEKS_8 + DAY).emails_sent == 1
        assert run_on(WEEKS_8 + 2 * DAY).emails_sent == 0
        assert Notification.objects.filter(kind="audit_gaps").count() == 1  # not repeated
        assert AuditGapDelivery.objects.get().attempts == 2


    def test_an_address_refused_for_good_is_closed_and_remembered(
            self, settings, org, qm, member, adoption, vault, mailoutbox):
        second = member(Role.QUALITY_MANAGER, username="seconde")
        settings.EMAIL_BACKEND = f"{__name__}.RefusesQualite"
        result = run_on(WEEKS_8)
        assert (result.emails_sent, result.undeliverable, result.failed) == (1, 1, 0)
        assert [m.to for m in mailoutbox] == [[second.email]]
        delivery = AuditGapDelivery.objects.get(user=qm)
        assert delivery.sent_at is not None
        assert delivery.last_error == "undeliverable: 550 5.1.1 user unknown"
        assert UserPreference.objects.get(user=qm).email_refused == qm.email
        assert Notification.objects.filter(user=qm, kind="email_refused").exists()
        assert Notification.objects.filter(user=qm, kind="audit_gaps").exists()
        # The next threshold is not e-mailed to the refused address; the other one gets it.
        result = run_on(WEEKS_4)
        assert (result.emails_sent, result.skipped_other) == (1, 1)
        assert AuditGapDelivery.objects.get(user=qm, reminder__threshold_weeks=4).last_error \
            == "refused-address"


# ------------------------------------------------------------------------------ once only


class TestOnce:
    def test_the_database_refuses_a_second_row(self, adoption):
        AuditGapReminder.objects.create(adoption=adoption, target_audit_date=TARGET,
                                        threshold_weeks=8)
        with pytest.raises(IntegrityError), transaction.atomic():
            AuditGapReminder.objects.create(adoption=adoption, target_audit_date=TARGET,
                                            threshold_weeks=8)
        with pytest.raises(IntegrityError), transaction.atomic():
            AuditGapReminder.objects.create(adoption=adoption, target_audit_date=TARGET,
                                            threshold_weeks=53)

    def test_a_run_while_another_worker_holds_the_lock_does_nothing(
            self, monkeypatch, adoption, vault, mailoutbox):
        @contextmanager
        def held_elsewhere(name):
            yield False

        monkeypatch.setattr("workers.tasks.job_lock", held_elsewhere)
        result = run_on(WEEKS_8)
        assert result.locked and str(result).startswith("gap digests: another worker")
        assert mailoutbox == [] and not AuditGapReminder.objects.exists()

    def test_a_run_without_the_lock_after_another_sends_nothing_more(
            self, monkeypatch, adoption, vault, mailoutbox):
        with frozen(WEEKS_8):
            first = gaps.run()
            second = gaps.run()
        assert (first.emails_sent, second.emails_sent) == (1, 0)
        assert second.thresholds_recorded == 0

    @pytest.mark.django_db(transaction=True)
    def test_two_workers_at_the_same_moment_send_once(self, org, qm, iso, mailoutbox):
        if connection.vendor != "postgresql":
            pytest.skip("concurrent transactions need PostgreSQL (SQLite serialises writers)")
        Adoption.objects.create(organization=org, referential=iso[0], adopted_by=qm,
                                target_audit_date=TARGET)
        barrier, results, errors = threading.Barrier(2), [], []

        def worker(locked: bool):
            try:
                barrier.wait(timeout=10)
                with frozen(WEEKS_8):
                    results.append(tasks.run_gap_digests() if locked else gaps.run())
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                connections.close_all()

        for locked in (True, False):  # with the job lock, then without it (the constraint)
            results.clear()
            threads = [threading.Thread(target=worker, args=(locked,)) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert errors == []
            assert sum(r.emails_sent for r in results) == 1, [str(r) for r in results]
            AuditGapReminder.objects.all().delete()
            mail.outbox.clear()


# ------------------------------------------------------------------------------ the policy


class TestPolicyApi:
    def test_defaults_and_change_audited(self, client_for, org, qm):
        url = f"/api/v1/reminder-policies/{org.pk}/"
        assert client_for(qm).get(url).json()["audit_gap_weeks"] == [8, 4, 2]
        response = client_for(qm).patch(url, {"audit_gap_weeks": [2, 12, 6]}, format="json")
        assert response.status_code == 200
        assert response.json()["audit_gap_weeks"] == [12, 6, 2]
        assert ReminderPolicy.objects.get(organization=org).audit_gap_weeks == [12, 6, 2]
        event = AuditEvent.objects.get(action="reminder_policy.update")
        assert (event.before["audit_gap_weeks"], event.after["audit_gap_weeks"]) == \
            ([8, 4, 2], [12, 6, 2])

    @pytest.mark.parametrize(("weeks", "code"), [
        ([0], "min_value"), ([53], "max_value"), ([-2], "min_value"),
        ([4, 4], "duplicate_audit_gap_weeks"), (list(range(1, 12)), "max_length"),
        (["x"], "invalid"), ([1.5], "invalid"), ([True], "invalid"), ("4", "not_a_list"),
        (None, "null"), ({"8": 1}, "not_a_list"),
    ])
    def test_bad_thresholds_are_refused(self, client_for, org, qm, weeks, code):
        response = client_for(qm, language="en").patch(
            f"/api/v1/reminder-policies/{org.pk}/", {"audit_gap_weeks": weeks}, format="json")
        assert response.status_code == 400, response.json()
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert code in _codes(error["fields"]["audit_gap_weeks"])
        assert not ReminderPolicy.objects.exists()

    def test_french_message(self, client_for, org, qm):
        response = client_for(qm).patch(f"/api/v1/reminder-policies/{org.pk}/",
                                        {"audit_gap_weeks": [4, 4]}, format="json")
        (error,) = response.json()["error"]["fields"]["audit_gap_weeks"]
        assert error == {"code": "duplicate_audit_gap_weeks",
                         "message": "Chaque nombre de semaines ne peut figurer qu'une fois."}

    def test_the_model_validates_too(self, org):
        policy = ReminderPolicy(organization=org, audit_gap_weeks=[8, 0])
        with pytest.raises(ValidationError, match=r"1 (to|à) 52"):
            policy.full_clean()

    def test_contributors_cannot_change_it(self, client_for, org, member):
        contributor = member(Role.CONTRIBUTOR, username="contrib")
        response = client_for(contributor).patch(f"/api/v1/reminder-policies/{org.pk}/",
                                                 {"audit_gap_weeks": [3]}, format="json")
        assert response.status_code == 403


def _codes(errors) -> set[str]:
    if isinstance(errors, dict) and isinstance(errors.get("code"), str):
        return {errors["code"]}
    if isinstance(errors, dict):
        return {code for value in errors.values() for code in _codes(value)}
    if isinstance(errors, list):
        return {code for value in errors for code in _codes(value)}
    return set()


# ------------------------------------------------------------------------------ the job


def test_the_daily_task_and_command_run_the_gap_digests(org, qm, adoption, vault, mailoutbox):
    out = io.StringIO()
    call_command("send_reminders", "--date", WEEKS_8.isoformat(), stdout=out)
    assert "gap digests: 1 thresholds reached, 1 e-mails sent" in out.getvalue()
    with frozen(WEEKS_4):
        assert "gap digests: 1 thresholds reached, 1 e-mails sent" in \
            tasks.send_reminders.apply().get()
    assert len([m for m in mailoutbox if "audit" in m.subject.lower()]) == 2
