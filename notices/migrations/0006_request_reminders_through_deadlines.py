"""The evidence requests' reminders move onto the deadline reminders' ledger (decision 0027):
each row is copied with its key ("audits.request:<id>"), then the request-only table goes, so
that no reminder already sent goes out again."""

from django.db import migrations


def copy_to_deadlines(apps, schema_editor):
    RequestReminder = apps.get_model("notices", "RequestReminder")
    DeadlineReminder = apps.get_model("notices", "DeadlineReminder")
    rows = RequestReminder.objects.values_list(
        "evidence_request_id", "evidence_request__engagement__organization_id", "due_date",
        "threshold_days", "user_id", "sent_at", "attempts", "last_error")
    DeadlineReminder.objects.bulk_create(
        [DeadlineReminder(key=f"audits.request:{request_id}", organization_id=organization_id,
                          due_date=due_date, threshold=threshold, user_id=user_id,
                          sent_at=sent_at, attempts=attempts, last_error=last_error)
         for request_id, organization_id, due_date, threshold, user_id, sent_at, attempts,
         last_error in rows.iterator(chunk_size=2000)],
        batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ("notices", "0005_deadline_reminders"),
        ("audits", "0004_evidence_requests"),
    ]

    operations = [
        migrations.RunPython(copy_to_deadlines, migrations.RunPython.noop, elidable=True),
        migrations.DeleteModel(name="RequestReminder"),
    ]
