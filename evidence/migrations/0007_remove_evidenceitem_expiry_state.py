"""Drop `EvidenceItem.expiry_state`, its index and its check constraint: nothing read them
(issue 9). "Expiring soon" is a filter on `valid_until` (`valid_until_before` / `_after`).

On SQLite, dropping a check constraint rebuilds the table; the rebuild loses the triggers on the
table and is refused while a trigger elsewhere names it (for instance the triggers of another app
that keep facts derived from this table). Every trigger that names the table is therefore saved
in a temporary table and dropped first, then created again, unchanged, after the rebuild.
PostgreSQL drops the constraint and the column in place and keeps its triggers.
"""

from django.db import migrations

TABLE = "evidence_evidenceitem"
SAVED = "evidence_0007_saved_triggers"


def save_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(f"DROP TABLE IF EXISTS temp.{SAVED}")
    schema_editor.execute(
        f"CREATE TEMP TABLE {SAVED} AS SELECT name, sql FROM sqlite_master "
        f"WHERE type = 'trigger' AND (tbl_name = '{TABLE}' OR sql LIKE '%{TABLE}%')")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT name FROM temp.{SAVED}")
        names = [name for (name,) in cursor.fetchall()]
    for name in names:
        schema_editor.execute(f'DROP TRIGGER "{name}"')


def restore_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT sql FROM temp.{SAVED} ORDER BY rowid")
        saved = [sql for (sql,) in cursor.fetchall()]
    for sql in saved:
        schema_editor.execute(sql)
    schema_editor.execute(f"DROP TABLE temp.{SAVED}")


class Migration(migrations.Migration):

    dependencies = [
        ('evidence', '0006_revision_verification_attempts'),
    ]

    operations = [
        migrations.RunPython(save_triggers, restore_triggers, elidable=True),
        migrations.RemoveIndex(
            model_name='evidenceitem',
            name='evidence_ev_expiry__14182e_idx',
        ),
        migrations.RemoveConstraint(
            model_name='evidenceitem',
            name='evidence_expiry_valid',
        ),
        migrations.RemoveField(
            model_name='evidenceitem',
            name='expiry_state',
        ),
        migrations.RunPython(restore_triggers, save_triggers, elidable=True),
    ]
