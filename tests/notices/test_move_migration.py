"""The notices took over reminder policies, reminders, deliveries and notifications from
`workers` and `audit_prep` without losing a row: a database populated before the move is
migrated forward, and everything is read back through the new app (content types included)."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from notices.models import Notification, Reminder, ReminderDelivery, ReminderPolicy

BEFORE = [("notices", None), ("audit_prep", "0005_userpreference_email_refused"),
          ("workers", "0003_readiness_state_moved"),
          ("evidence", "0007_remove_evidenceitem_expiry_state"),
          ("contenttypes", "0002_remove_content_type_name")]
MOVED = [("workers", "reminderpolicy"), ("workers", "reminder"),
         ("workers", "reminderdelivery"), ("audit_prep", "notification")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


@pytest.fixture
def migrated_back(transactional_db):
    """The apps as they were before the move; the database is brought back to the latest
    migrations afterwards, whatever happens, for the other tests."""
    try:
        yield _migrate(BEFORE)
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def _populate(apps) -> dict:
    """Rows written through the models as they were before the move."""
    user = apps.get_model("auth", "User").objects.create(username="qualite")
    org = apps.get_model("audit_prep", "Organization").objects.create(name="AI", slug="ai")
    evidence = apps.get_model("evidence", "EvidenceItem").objects.create(
        organization=org, title="Attestation", kind="record", created_by=user,
        effective_date=datetime.date(2026, 1, 1), valid_until=datetime.date(2026, 12, 31))
    apps.get_model("workers", "ReminderPolicy").objects.create(
        organization=org, lead_days=[45, 7], overdue_weekly=False, escalate_after_days=3)
    reminder = apps.get_model("workers", "Reminder").objects.create(
        evidence=evidence, valid_until=evidence.valid_until, threshold=7)
    apps.get_model("workers", "ReminderDelivery").objects.create(
        reminder=reminder, user=user, attempts=2, last_error="timeout")
    apps.get_model("audit_prep", "Notification").objects.create(
        user=user, organization=org, kind="reminder_digest", title="1 preuve à renouveler")
    content_types = apps.get_model("contenttypes", "ContentType").objects
    for app_label, model in MOVED:
        content_types.get_or_create(app_label=app_label, model=model)
    return {"org": org.pk, "user": user.pk, "evidence": evidence.pk, "reminder": reminder.pk}


@pytest.mark.migrations
def test_a_populated_database_keeps_every_row(migrated_back):
    ids = _populate(migrated_back)
    old_types = {model: ContentType.objects.get(app_label=app, model=model).pk
                 for app, model in MOVED}

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    policy = ReminderPolicy.objects.get()
    assert (policy.organization_id, policy.lead_days, policy.overdue_weekly,
            policy.escalate_after_days) == (ids["org"], [45, 7], False, 3)
    reminder = Reminder.objects.get()
    assert (reminder.pk, reminder.evidence_id, reminder.threshold) == (
        ids["reminder"], ids["evidence"], 7)
    delivery = ReminderDelivery.objects.get()
    assert (delivery.reminder_id, delivery.user_id, delivery.attempts, delivery.last_error) == (
        ids["reminder"], ids["user"], 2, "timeout")
    notification = Notification.objects.get()
    assert (notification.user_id, notification.title) == (ids["user"], "1 preuve à renouveler")
    # Same content type rows (so permissions and admin history follow), now under notices.
    assert {model: ContentType.objects.get_for_model(cls).pk for model, cls in [
        ("reminderpolicy", ReminderPolicy), ("reminder", Reminder),
        ("reminderdelivery", ReminderDelivery), ("notification", Notification)]} == old_types
    tables = connection.introspection.table_names()
    assert {"notices_reminder", "notices_notification"} <= set(tables)
    assert not {"workers_reminder", "audit_prep_notification"} & set(tables)
