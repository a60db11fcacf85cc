"""Make the audit trail append-only in the database itself: UPDATE and DELETE are refused."""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION audit_prep_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_prep_auditevent_no_update BEFORE UPDATE OR DELETE ON audit_prep_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_prep_auditevent_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS audit_prep_auditevent_no_update ON audit_prep_auditevent;
DROP FUNCTION IF EXISTS audit_prep_auditevent_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER audit_prep_auditevent_no_update BEFORE UPDATE ON audit_prep_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
    """CREATE TRIGGER audit_prep_auditevent_no_delete BEFORE DELETE ON audit_prep_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_prep_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS audit_prep_auditevent_no_delete;",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for statement in statements if isinstance(statements, list) else [statements]:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit_prep", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
