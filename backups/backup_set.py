"""A backup set is a directory:

    manifest.json      written last: what the set holds and what the database held (facts)
    database.dump      pg_dump custom format (PostgreSQL), or database.sqlite3 (SQLite)
    objects.jsonl      one line per stored object a file row names: key, sha256, size
    objects/<key>      the objects, under their store keys

`create` writes one; `verify` proves one complete and unaltered without restoring it."""

import datetime
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from . import database, facts, objects
from .errors import BackupError, Problem

FORMAT = "audit-prep-backup/1"
MANIFEST = "manifest.json"
OBJECT_LIST = "objects.jsonl"
OBJECT_DIR = "objects"
REQUIRED = {"database", "objects", "tables", "audit_trail", "checklists", "migrations"}


@dataclass
class Outcome:
    """The manifest of a set and what a backup, a check or a restore found wrong with it."""

    manifest: dict
    problems: list[Problem] = field(default_factory=list)
    checked: dict = field(default_factory=dict)


def _empty_destination(dest: Path) -> None:
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError("backup_destination_not_empty",
                          _("%(path)s is not an empty directory: a backup set is written into "
                            "a new or empty one.") % {"path": dest})
    dest.mkdir(parents=True, exist_ok=True)


def _list_objects(path: Path) -> tuple[int, int]:
    count = size = 0
    with path.open("w", encoding="utf-8") as handle:
        for key, sha256, length in facts.stored_objects():
            handle.write(json.dumps({"key": key, "sha256": sha256, "size": length}) + "\n")
            count += 1
            size += length
    return count, size


def _file_facts(path: Path) -> dict:
    sha256, size = objects.hash_file(path, objects.progress(0, "", True))
    return {"file": path.name, "sha256": sha256, "size": size}


def create(dest: Path, quiet: bool = False) -> Outcome:
    """Dump the database and list its objects in one snapshot, then copy the objects."""
    engine = database.vendor()
    _empty_destination(dest)
    dump = dest / database.DUMP_NAMES[engine]
    on = timezone.localdate()
    with database.snapshot(dump):
        recorded = facts.database_facts(on)
        count, size = _list_objects(dest / OBJECT_LIST)
    with objects.progress(size, _("Copying objects"), quiet) as bar:
        problems = objects.copy_to_set(objects.read_lines(dest / OBJECT_LIST),
                                       dest / OBJECT_DIR, bar)
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "database": {"vendor": engine, "tool": database.tool_version(), **_file_facts(dump)},
        **recorded,
        "objects": {**_file_facts(dest / OBJECT_LIST), "count": count, "bytes": size},
        "problems": [str(problem) for problem in problems],
    }
    partial = dest / f"{MANIFEST}.partial"
    partial.write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, dest / MANIFEST)
    return Outcome(manifest, problems)


def load(src: Path) -> dict:
    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError("backup_set_invalid",
                          _("%(path)s is not a complete backup set (no readable manifest.json): "
                            "%(error)s") % {"path": src, "error": exc}) from exc
    try:
        readable = (manifest["format"] == FORMAT and manifest.keys() >= REQUIRED
                    and bool(datetime.date.fromisoformat(manifest["checklist_date"]))
                    # the files a set may name: nothing outside it
                    and manifest["database"]["file"] in database.DUMP_NAMES.values()
                    and manifest["objects"]["file"] == OBJECT_LIST)
    except (KeyError, TypeError, ValueError, AttributeError):
        readable = False
    if not readable:
        raise BackupError("backup_set_invalid",
                          _("%(path)s holds a manifest this version cannot read (format %(format)s "
                            "expected).") % {"path": src, "format": FORMAT})
    return manifest


def _check_file(src: Path, recorded: dict, code: str) -> list[Problem]:
    path = src / recorded["file"]
    actual = objects.hash_file(path, objects.progress(0, "", True)) if path.is_file() else None
    if actual == (recorded["sha256"], recorded["size"]):
        return []
    return [Problem(code, recorded["file"],
                    _("The file is missing or differs from the manifest."))]


def verify(src: Path, quiet: bool = False) -> Outcome:
    """The dump, the object list and every object present and identical to the manifest."""
    manifest = load(src)
    problems = _check_file(src, manifest["database"], "dump_altered")
    problems += _check_file(src, manifest["objects"], "object_list_altered")
    if not problems:
        with objects.progress(manifest["objects"]["bytes"], _("Checking objects"), quiet) as bar:
            problems += objects.check_set(objects.read_lines(src / OBJECT_LIST),
                                          src / OBJECT_DIR, bar)
    checked = {"objects": manifest["objects"]["count"], "bytes": manifest["objects"]["bytes"]}
    return Outcome(manifest, problems, checked)
