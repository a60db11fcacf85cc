"""Restoring a backup set into an empty database and store, and proving the result identical to
what was backed up: the same rows per table, the same audit trail, the same checklists, every
file row's object present with its digest."""

import datetime
from pathlib import Path

from django.utils.translation import gettext as _

from . import backup_set, database, facts, objects
from .errors import BackupError, Problem


def _refuse_unless_restorable(manifest: dict) -> None:
    engine = database.vendor()
    if manifest["database"]["vendor"] != engine:
        raise BackupError("backup_engine_mismatch",
                          _("The backup set holds a %(source)s database; this server uses "
                            "%(target)s.") % {"source": manifest["database"]["vendor"],
                                             "target": engine})
    if manifest["migrations"] != facts.code_migrations():
        raise BackupError("backup_schema_mismatch",
                          _("The backup set was made with other migrations than this version's: "
                            "restore it with the version that made it, then migrate."))
    if not database.is_empty() or not objects.store_is_empty():
        raise BackupError("restore_target_not_empty",
                          _("The database or the file store is not empty: a backup is restored "
                            "only into an empty database (no table) and an empty store."))


def restore(src: Path, quiet: bool = False) -> backup_set.Outcome:
    """Check the set, refuse a non-empty target, load the database, put the objects back, then
    compare. Nothing is written when the set is damaged or the target not empty."""
    outcome = backup_set.verify(src, quiet)
    if outcome.problems:
        return outcome
    manifest = outcome.manifest
    _refuse_unless_restorable(manifest)
    database.restore(src / manifest["database"]["file"])
    with objects.progress(manifest["objects"]["bytes"], _("Restoring objects"), quiet) as bar:
        objects.put_from_set(objects.read_lines(src / backup_set.OBJECT_LIST),
                             src / backup_set.OBJECT_DIR, bar)
    return compare(src, quiet, manifest)


def _differences(code: str, prefix: str, expected: dict, found: dict, message: str
                 ) -> list[Problem]:
    return [Problem(code, f"{prefix}{name}", message % {"expected": expected.get(name),
                                                 "found": found.get(name)})
            for name in sorted(expected.keys() | found.keys())
            if expected.get(name) != found.get(name)]


def compare(src: Path, quiet: bool = False, manifest: dict | None = None
            ) -> backup_set.Outcome:
    """The current database and store against the set's manifest (after a restore, or to check
    that a live system still matches a set)."""
    manifest = manifest or backup_set.load(src)
    found = facts.database_facts(datetime.date.fromisoformat(manifest["checklist_date"]))
    problems = _differences("table_count_mismatch", "", manifest["tables"], found["tables"],
                            _("%(expected)s rows backed up, %(found)s found."))
    problems += _differences("audit_trail_mismatch", "audit_trail.", manifest["audit_trail"],
                             found["audit_trail"],
                             _("The audit trail differs: %(expected)s backed up, %(found)s "
                               "found."))
    problems += _differences("checklist_mismatch", "adoption ", manifest["checklists"],
                             found["checklists"],
                             _("The checklist differs: %(expected)s backed up, %(found)s "
                               "found."))
    with objects.progress(manifest["objects"]["bytes"], _("Checking the store"), quiet) as bar:
        store_problems, count = objects.check_store(facts.stored_objects(), bar)
    checked = {"tables": len(found["tables"]), "audit_events": found["audit_trail"]["count"],
               "checklists": len(found["checklists"]), "objects": count}
    return backup_set.Outcome(manifest, problems + store_problems, checked)
