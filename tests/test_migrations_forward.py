"""Migrations move data, never lose it: a database at the schema of the last release before
issue 9 (the migrations below), filled through the historical models, is migrated forward to
today's schema, and every structure, evidence item, revision, file (and its extracted text),
link, exclusion, snapshot, readiness state, reminder ledger row, notification and audit event is
still there with its values. Going back to that release and forward again is possible too (every
migration since is reversible)."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.trail import remove_audit_events

# The leaf migration of each app in the release before issue 9 (main at 9aef884).
BEFORE_ISSUE_9 = [
    ("audit_prep", "0005_userpreference_email_refused"),
    ("evidence", "0006_revision_verification_attempts"),
    ("checklists", "0003_link_readiness_facts"),
    ("workers", "0001_initial"),
]
NOW = datetime.datetime(2026, 11, 26, 9, tzinfo=datetime.UTC)
DAY = datetime.date(2026, 11, 26)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.migrations]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def _fill(apps) -> dict:
    """One of everything a structure accumulates, through the models of the old release."""
    model = apps.get_model
    user = model("auth", "User").objects.create(username="qualite", email="q@example.org")
    org = model("audit_prep", "Organization").objects.create(name="ACI du Val", slug="aci-val",
                                                             kind="aci")
    model("audit_prep", "Membership").objects.create(user=user, organization=org,
                                                     role="quality_manager")
    model("audit_prep", "UserPreference").objects.create(user=user, language="fr",
                                                         calendar_token="t" * 40)
    item = model("evidence", "EvidenceItem").objects.create(
        organization=org, title="Revue de direction 2026", kind="record", status="approved",
        effective_date=DAY, valid_until=DAY + datetime.timedelta(days=365), created_by=user,
        approved_by=user, approved_at=NOW, file_check="verified", expiry_state="valid")
    revision = model("evidence", "Revision").objects.create(
        evidence=item, number=1, verification_status="verified", is_current=True,
        created_by=user, verified_at=NOW)
    stored = model("evidence", "StoredFile").objects.create(
        organization=org, revision=revision, name="revue.pdf", mime_type="application/pdf",
        size=1234, sha256="a" * 64, storage_key="o/1/aaaa", text="Revue de direction : bilan")
    referential = model("checklists", "Referential").objects.create(
        urn="urn:test:iso9001:2015", code="iso9001", version="2015", ref_id="ISO 9001",
        name_fr="ISO 9001", name_en="ISO 9001", kind="standard")
    requirement = model("checklists", "Requirement").objects.create(
        referential=referential, urn="urn:test:iso9001:2015:9.3", ref_id="9.3", order=1,
        depth=1, name_fr="Revue de direction", name_en="Management review",
        documented_information=["retain"], renewal_months=12)
    excluded = model("checklists", "Requirement").objects.create(
        referential=referential, urn="urn:test:iso9001:2015:8.3", ref_id="8.3", order=2,
        depth=1, name_fr="Conception", name_en="Design", documented_information=[])
    model("checklists", "Adoption").objects.create(organization=org, referential=referential,
                                                   adopted_by=user, warning_days=45)
    model("checklists", "EvidenceLink").objects.create(evidence=item, requirement=requirement,
                                                       created_by=user, note="2026")
    model("checklists", "Applicability").objects.create(
        organization=org, requirement=excluded, justification="Pas de conception",
        decided_by=user)
    model("checklists", "ReadinessSnapshot").objects.create(
        organization=org, referential=referential, reference_date=DAY, score="8.43",
        counts={"covered": 1}, chapters=[{"ref_id": "9", "score": 0.0843, "counts": {}},
                                         {"ref_id": "8", "score": None, "counts": {}}])
    model("workers", "ReadinessState").objects.create(
        organization=org, referential=referential, score="66.67", counts={"covered": 1},
        computed_at=NOW)
    model("workers", "ReminderPolicy").objects.create(organization=org, lead_days=[30, 7],
                                                      warning_days=30)
    reminder = model("workers", "Reminder").objects.create(
        evidence=item, valid_until=item.valid_until, threshold=30)
    model("workers", "ReminderDelivery").objects.create(reminder=reminder, user=user,
                                                        sent_at=NOW, attempts=1)
    model("audit_prep", "Notification").objects.create(
        user=user, organization=org, kind="reminder", title="Preuve à renouveler")
    model("audit_prep", "AuditEvent").objects.create(
        organization=org, actor=user, action="evidence.create", object_type="evidence",
        object_id=str(item.pk), after={"title": item.title})
    model("workers", "TaskRun").objects.create(task_id="t-1", name="workers.send_reminders",
                                               status="succeeded", started_at=NOW)
    return {"user": user.pk, "org": org.pk, "item": item.pk, "file": stored.pk,
            "requirement": requirement.pk, "excluded": excluded.pk}


def _model(apps, *labels):
    """The model of today's schema, wherever issue 9 moved it (first label that exists)."""
    for label in labels:
        try:
            return apps.get_model(label)
        except LookupError:
            continue
    raise LookupError(labels)


def _assert_kept(apps, ids) -> None:
    model = apps.get_model
    item = model("evidence", "EvidenceItem").objects.get(pk=ids["item"])
    assert (item.title, item.status, item.valid_until, item.file_check) == (
        "Revue de direction 2026", "approved", DAY + datetime.timedelta(days=365), "verified")
    assert model("evidence", "Revision").objects.get(evidence_id=item.pk).is_current
    stored = model("evidence", "StoredFile").objects.get(pk=ids["file"])
    assert (stored.sha256, stored.storage_key) == ("a" * 64, "o/1/aaaa")
    assert _text_of(apps, ids["file"]) == "Revue de direction : bilan"
    link = model("checklists", "EvidenceLink").objects.get(evidence_id=item.pk)
    assert (link.requirement_id, link.note) == (ids["requirement"], "2026")
    exclusion = model("checklists", "Exclusion").objects.get(organization_id=ids["org"])
    assert (exclusion.requirement_id, exclusion.justification) == (
        ids["excluded"], "Pas de conception")
    assert model("checklists", "Adoption").objects.get(organization_id=ids["org"]
                                                       ).warning_days == 45
    snapshot = model("checklists", "ReadinessSnapshot").objects.get(organization_id=ids["org"])
    # one score format: a percentage with one decimal (chapters held fractions)
    assert (str(snapshot.score), snapshot.counts) == ("8.4", {"covered": 1})
    assert [c["score"] for c in snapshot.chapters] == [8.4, None]
    state = model("checklists", "ReadinessState").objects.get(organization_id=ids["org"])
    assert (str(state.score), state.computed_at) == ("66.7", NOW)
    policy = _model(apps, "notices.ReminderPolicy", "workers.ReminderPolicy")
    assert policy.objects.get(organization_id=ids["org"]).lead_days == [30, 7]
    reminder = _model(apps, "notices.Reminder", "workers.Reminder").objects.get(
        evidence_id=item.pk)
    assert (reminder.threshold, reminder.valid_until) == (30, item.valid_until)
    delivery = _model(apps, "notices.ReminderDelivery", "workers.ReminderDelivery")
    assert delivery.objects.get(reminder_id=reminder.pk).sent_at == NOW
    notification = _model(apps, "notices.Notification", "audit_prep.Notification")
    assert notification.objects.get(user_id=ids["user"]).title == "Preuve à renouveler"
    event = model("audit_prep", "AuditEvent").objects.get(organization_id=ids["org"])
    assert (event.action, event.after) == ("evidence.create", {"title": item.title})
    assert model("workers", "TaskRun").objects.get(task_id="t-1").status == "succeeded"
    assert model("audit_prep", "Membership").objects.filter(user_id=ids["user"]).exists()


def _text_of(apps, file_id) -> str:
    """The extracted text of a file: its own table (FileText) since evidence 0008."""
    try:
        file_text = apps.get_model("evidence", "FileText")
    except LookupError:
        return apps.get_model("evidence", "StoredFile").objects.get(pk=file_id).text
    return file_text.objects.get(stored_file_id=file_id).text


def test_a_database_of_the_previous_release_keeps_everything_when_migrated_forward():
    latest = _latest()
    try:
        ids = _fill(_migrate(BEFORE_ISSUE_9))
        _assert_kept(_migrate(latest), ids)
        # and back again, then forward once more: every migration since is reversible
        _migrate(BEFORE_ISSUE_9)
        _assert_kept(_migrate(latest), ids)
    finally:
        _migrate(latest)
        remove_audit_events()
