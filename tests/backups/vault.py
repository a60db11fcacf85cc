"""A small real vault to back up (files uploaded through the services, verified, approved and
linked to an adopted referential, so that checklists and the audit trail hold something), and
the restore targets: an empty database (a new SQLite file, or a new PostgreSQL database beside
the test database) and an empty store, used by `manage.py restore` in a subprocess."""

import datetime
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.db import connection

from checklists.services.links import link_many
from checklists.services.tailoring import adopt
from evidence.local_files import LocalUpload
from evidence.models import EvidenceItem, StoredFile
from evidence.services.evidence import approve, create_evidence
from tests.checklists.conftest import make_referential

ROOT = Path(__file__).resolve().parent.parent.parent


def fill(org, user, workdir: Path) -> list[str]:
    """Three evidence items with verified text files (two share one object), approved and
    linked; returns the keys of the stored objects."""
    referential, requirements = make_referential()
    adopt(user, org, referential, target_audit_date=datetime.date(2027, 3, 15))
    workdir.mkdir(parents=True, exist_ok=True)
    items = []
    for number, text in enumerate(["Procédure de maîtrise des documents",
                                   "Plan de formation des salariés en parcours",
                                   "Procédure de maîtrise des documents"]):
        path = workdir / f"preuve-{number}.txt"
        path.write_text(f"{text}\n" * 400, encoding="utf-8")
        evidence = create_evidence(
            user, org, {"title": f"{text} ({number})", "kind": "document",
                        "effective_date": datetime.date(2026, 1, 15), "renewal_months": 12},
            uploads=[LocalUpload(path)], allow_duplicate=True)
        items.append(approve(user, evidence))
    link_many(user, items[:2], [requirements["4.3"], requirements["6.2.1"]])
    link_many(user, items[2:], [requirements["7.2"]])
    assert set(EvidenceItem.objects.values_list("file_check", flat=True)) == {"verified"}
    return sorted(set(StoredFile.objects.values_list("storage_key", flat=True)))


class Target:
    """An empty database of the suite's engine, created on demand and dropped by `drop`."""

    def __init__(self, workdir: Path, label: str):
        settings = connection.settings_dict
        self.vendor = connection.vendor
        self.settings = settings
        if self.vendor == "postgresql":
            self.name = f"{settings['NAME']}_{label}"[:63]
            self._admin("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", "CREATE DATABASE \"{}\"")
            auth = quote(settings["USER"] or "postgres", safe="")
            if settings["PASSWORD"]:
                auth += ":" + quote(settings["PASSWORD"], safe="")
            self.url = (f"postgres://{auth}@{settings['HOST'] or '127.0.0.1'}:"
                        f"{settings['PORT'] or 5432}/{self.name}")
        else:
            self.name = str(workdir / f"{label}.sqlite3")
            self.url = f"sqlite:///{self.name}"

    def _connect(self, dbname: str):
        import psycopg

        return psycopg.connect(host=self.settings["HOST"] or "127.0.0.1",
                               port=self.settings["PORT"] or 5432,
                               user=self.settings["USER"] or "postgres",
                               password=self.settings["PASSWORD"] or None, dbname=dbname,
                               autocommit=True)

    def _admin(self, *statements: str) -> None:
        with self._connect("postgres") as admin:
            for statement in statements:
                admin.execute(statement.format(self.name))

    def drop(self) -> None:
        if self.vendor == "postgresql":
            self._admin("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)")

    def scalar(self, sql: str):
        """The one value `sql` selects in the target database (read beside the app)."""
        if self.vendor == "postgresql":
            with self._connect(self.name) as conn:
                return conn.execute(sql).fetchone()[0]
        with sqlite3.connect(self.name) as conn:
            return conn.execute(sql).fetchone()[0]

    def execute(self, sql: str) -> None:
        if self.vendor == "postgresql":
            with self._connect(self.name) as conn:
                conn.execute(sql)
            return
        with sqlite3.connect(self.name) as conn:
            conn.execute(sql)


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`manage.py` in a subprocess on the test settings with `env` (the target's)."""
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", **env}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=300, check=False)
