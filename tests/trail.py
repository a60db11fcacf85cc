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
