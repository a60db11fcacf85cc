"""What a backup records of the database, and a restore recomputes to prove it identical: the
row count of every table, a digest of the audit trail, a fingerprint of each structure's
checklist per adopted referential, the applied migrations, and the objects file rows name.

Every function reads through the default connection, so that inside the backup's snapshot
transaction they see exactly what the dump holds."""

import datetime
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterator

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import translation

from audit_prep.models import AuditEvent
from checklists.models import Adoption
from checklists.services.checklist import build
from evidence.models import StoredFile

ROWS_PER_FETCH = 2000
# What the checklist shows that depends on this server's settings, not on the data: the link
# to each item is built from SITE_URL, which a restore on another host may change.
SETTINGS_KEYS = {"url"}


def _plain(value):
    """JSON for the values rows hold, exact (no rounding of times or decimals)."""
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def canonical(value) -> bytes:
    return json.dumps(value, default=_plain, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def table_counts() -> dict[str, int]:
    """{table: rows} for every table of the installed apps (many-to-many tables included)."""
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy:
            counts[meta.db_table] = model._base_manager.using("default").count()
    return dict(sorted(counts.items()))


def audit_trail_digest() -> dict:
    """Count, first and last id, and the SHA-256 of every event (every column) in id order:
    one event changed, added or lost changes the digest."""
    columns = [field.attname for field in AuditEvent._meta.concrete_fields]
    hasher = hashlib.sha256()
    count, first, last = 0, None, None
    rows = AuditEvent.objects.order_by("id").values_list(*columns)
    for row in rows.iterator(chunk_size=ROWS_PER_FETCH):
        hasher.update(canonical(dict(zip(columns, row, strict=True))) + b"\n")
        count += 1
        first = row[0] if first is None else first
        last = row[0]
    return {"count": count, "first_id": first, "last_id": last, "sha256": hasher.hexdigest()}


def _without_settings(value):
    if isinstance(value, dict):
        return {key: _without_settings(item) for key, item in value.items()
                if key not in SETTINGS_KEYS}
    if isinstance(value, list):
        return [_without_settings(item) for item in value]
    return value


def checklist_fingerprints(on: datetime.date) -> dict[str, dict]:
    """Per adoption: the SHA-256 of the whole checklist on date `on` (every requirement, every
    linked item, statuses, reasons, gates, score) in the site's language, with its score."""
    fingerprints = {}
    adoptions = Adoption.objects.select_related("organization", "referential").order_by("id")
    with translation.override(settings.LANGUAGE_CODE):
        for adoption in adoptions:
            checklist = build(adoption, on, evidence_limit=None)
            fingerprints[str(adoption.pk)] = {
                "organization": adoption.organization_id,
                "referential": adoption.referential.urn,
                "score": checklist["score"],
                "sha256": hashlib.sha256(canonical(_without_settings(checklist))).hexdigest(),
            }
    return fingerprints


def applied_migrations() -> list[list[str]]:
    return sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations())


def code_migrations() -> list[list[str]]:
    """The migrations this code knows (what `migrate` would have applied)."""
    return sorted([app, name] for app, name in MigrationLoader(None).graph.nodes)


def stored_objects() -> Iterator[tuple[str, str, int]]:
    """(key, sha256, size) of every object a file row names, each key once, in key order."""
    rows = (StoredFile.objects.order_by("storage_key")
            .values_list("storage_key", "sha256", "size").distinct())
    yield from rows.iterator(chunk_size=ROWS_PER_FETCH)


def database_facts(on: datetime.date) -> dict:
    return {
        "checklist_date": on.isoformat(),
        "migrations": applied_migrations(),
        "tables": table_counts(),
        "audit_trail": audit_trail_digest(),
        "checklists": checklist_fingerprints(on),
    }
