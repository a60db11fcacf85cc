"""Emptying the append-only audit trail at the end of a test that commits (transactional
tests, the live server's): the flush that follows empties the tables with DELETE on SQLite,
which the trail's trigger refuses (PostgreSQL truncates, which fires no row trigger)."""

import importlib

from django.db import connection


def remove_audit_events() -> None:
    """On SQLite, lift the DELETE guard for the test's own events only, then put it back as its
    migration writes it; nothing to do on PostgreSQL."""
    if connection.vendor != "sqlite":
        return
    guard = importlib.import_module("audit_prep.migrations.0002_audit_event_append_only")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS audit_prep_auditevent_no_delete")
        cursor.execute("DELETE FROM audit_prep_auditevent")
        cursor.execute(guard.SQLITE_UP[1])


def remove_finding_versions() -> None:
    """The same for the finding versions, which their triggers lock once published (decision
    0026): on SQLite the locks are lifted, the rows removed, the locks put back."""
    if connection.vendor != "sqlite":
        return
    locks = importlib.import_module("audits.migrations.0003_findings")
    with connection.cursor() as cursor:
        for statement in locks.SQLITE_DOWN:
            cursor.execute(statement)
        for table in (*locks.M2M, "audits_findingversion"):
            cursor.execute(f"DELETE FROM {table}")
        for statement in locks.SQLITE_UP:
            cursor.execute(statement)
