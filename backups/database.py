"""The database part of a backup set, with each engine's documented tool: PostgreSQL's pg_dump
(custom format) and pg_restore, SQLite's online backup API (`sqlite3.Connection.backup`).

`snapshot` dumps inside one transaction and keeps it open while the caller reads the facts the
manifest records, so that the dump and the manifest describe the same instant."""

import contextlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection, transaction
from django.db.backends.postgresql.client import DatabaseClient
from django.utils.translation import gettext as _

from .errors import BackupError

DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
TOOL_TIMEOUT = 6 * 3600  # seconds: a dump or a restore that runs longer is stuck


def vendor() -> str:
    if connection.vendor not in DUMP_NAMES:
        raise BackupError("backup_engine_unsupported",
                          _("Backups support PostgreSQL and SQLite, not %(vendor)s.")
                          % {"vendor": connection.vendor})
    return connection.vendor


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError("backup_tool_missing",
                          _("%(tool)s is not installed: install the PostgreSQL client of the "
                            "server's major version.") % {"tool": name})
    return path


def _run(name: str, arguments: list[str]) -> None:
    """Run a PostgreSQL client tool on the default database's connection parameters (the
    password through the environment, never on the command line)."""
    parameters, env = DatabaseClient.settings_to_cmd_args_env(
        connection.settings_dict, ["--dbname"])
    command = [_tool(name), *arguments, *parameters[1:]]
    result = subprocess.run(  # noqa: S603 - the PostgreSQL tool found on PATH, no shell
        command, env={**os.environ, **(env or {})}, capture_output=True,
                            text=True, timeout=TOOL_TIMEOUT, check=False)
    if result.returncode != 0:
        raise BackupError("backup_tool_failed",
                          _("%(tool)s failed: %(error)s")
                          % {"tool": name, "error": result.stderr.strip()[-2000:]})


def tool_version() -> str:
    if vendor() == "sqlite":
        return f"sqlite {sqlite3.sqlite_version}"
    return subprocess.run([_tool("pg_dump"), "--version"],  # noqa: S603 - no shell
                          capture_output=True, text=True, check=True).stdout.strip()


@contextlib.contextmanager
def _read_transaction():
    """One transaction that only reads, with a snapshot that later writers do not change."""
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    # SQLite refuses to copy from a connection that holds a write lock, which the project's
    # BEGIN IMMEDIATE takes: this transaction begins DEFERRED, a read snapshot (WAL).
    # (`transaction_mode` is the SQLite wrapper's, absent from django-stubs.)
    mode = connection.transaction_mode  # type: ignore[attr-defined]
    connection.transaction_mode = "DEFERRED"  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            yield
    finally:
        connection.transaction_mode = mode  # type: ignore[attr-defined]


@contextlib.contextmanager
def snapshot(dump: Path):
    """Write the database to `dump`, then yield inside the transaction that saw it."""
    engine = vendor()
    with _read_transaction(), connection.cursor() as cursor:
        if engine == "postgresql":
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot_id,) = cursor.fetchone()
            _run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges",
                             f"--snapshot={snapshot_id}", f"--file={dump}"])
        else:
            cursor.execute("SELECT count(*) FROM django_migrations")  # the snapshot starts
            target = sqlite3.connect(dump)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        yield


def is_empty() -> bool:
    """True when the default database has no table at all (never migrated)."""
    return not connection.introspection.table_names()


def restore(dump: Path) -> None:
    """Load `dump` into the default database, which must be empty (checked by the caller)."""
    if vendor() == "postgresql":
        _run("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error",
                            "--single-transaction", str(dump)])
        return
    name = connection.settings_dict["NAME"]
    connection.close()
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    target = sqlite3.connect(name)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
