"""The client's X-Request-ID beside the server's request id on each audit event. SQLite adds the
column by rebuilding the table, which drops its append-only triggers: they are created again."""

import importlib

from django.db import migrations, models

append_only = importlib.import_module("audit_prep.migrations.0002_audit_event_append_only")


def _sqlite_triggers(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('audit_prep', '0009_invitation'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='client_request_id',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.RunPython(
            _sqlite_triggers(append_only.SQLITE_DOWN + append_only.SQLITE_UP),
            _sqlite_triggers(append_only.SQLITE_DOWN + append_only.SQLITE_UP),
        ),
    ]
