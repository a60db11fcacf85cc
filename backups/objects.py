"""The stored objects of a backup set: copied from the store with their SHA-256 computed while
they stream (never a whole object in memory), checked in the set, put back into a store."""

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.utils.translation import gettext as _
from tqdm import tqdm

from evidence import storage

from .errors import BackupError, Problem

CHUNK = storage.HASH_CHUNK
KEY_PATTERN = re.compile(r"^o/\d+/[0-9a-f]{2}/[0-9a-f]{64}$")  # evidence.storage.storage_key


def progress(total: int, label: str, quiet: bool):
    """A byte progress bar on stderr, shown only on a terminal and unless `quiet`."""
    return tqdm(total=total, desc=label, unit="B", unit_scale=True, unit_divisor=1024,
                disable=True if quiet else None, leave=False)


def digest(source, bar, target=None) -> tuple[str, int]:
    """SHA-256 and size of what `source` reads, chunk by chunk, written on to `target` if any."""
    hasher = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK):
        hasher.update(chunk)
        if target is not None:
            target.write(chunk)
        size += len(chunk)
        bar.update(len(chunk))
    return hasher.hexdigest(), size


def hash_file(path: Path, bar) -> tuple[str, int]:
    with path.open("rb") as handle:
        return digest(handle, bar)


def _compare(key: str, sha256: str, size: int, actual: tuple[str, int] | None) -> list[Problem]:
    if actual is None:
        return [Problem("object_missing", key, _("The object is missing."))]
    if actual != (sha256, size):
        return [Problem("object_altered", key,
                        _("The object's bytes differ from its file row (SHA-256 %(actual)s, "
                          "%(size)s bytes).") % {"actual": actual[0], "size": actual[1]})]
    return []


def read_lines(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def copy_to_set(objects: Iterable[dict], root: Path, bar) -> list[Problem]:
    """Copy each object ({key, sha256, size}) from the store to `root`/key."""
    store = storage.evidence_storage()
    problems = []
    for line in objects:
        key = line["key"]
        actual = None
        if store.exists(key):
            target = root / key
            target.parent.mkdir(parents=True, exist_ok=True)
            with storage.open_object(key) as source, target.open("wb") as handle:
                actual = digest(source, bar, handle)
        problems += _compare(key, line["sha256"], line["size"], actual)
    return problems


def check_set(objects: Iterable[dict], root: Path, bar) -> list[Problem]:
    """Every object of the manifest present in the set with its size and digest."""
    problems = []
    for line in objects:
        key = line["key"]
        if not KEY_PATTERN.match(key):
            problems.append(Problem("object_key_invalid", key,
                                    _("The manifest names an object outside the store.")))
            continue
        path = root / key
        actual = hash_file(path, bar) if path.is_file() else None
        problems += _compare(key, line["sha256"], line["size"], actual)
    return problems


def put_from_set(objects: Iterable[dict], root: Path, bar) -> None:
    """Write each object of the set into the store (objects already there are kept: the key is
    the content)."""
    for line in objects:
        with (root / line["key"]).open("rb") as handle:
            try:
                storage.put(handle, line["key"])
            except storage.StorageUnavailable as exc:
                raise BackupError("storage_unavailable", str(exc.detail)) from exc
        bar.update(line["size"])


def check_store(objects: Iterable[tuple[str, str, int]], bar) -> tuple[list[Problem], int]:
    """Every object the file rows name present in the store with the rows' digest and size."""
    store = storage.evidence_storage()
    problems, count = [], 0
    for key, sha256, size in objects:
        count += 1
        actual = None
        if store.exists(key):
            with storage.open_object(key) as source:
                actual = digest(source, bar)
        problems += _compare(key, sha256, size, actual)
    return problems, count


def store_is_empty() -> bool:
    """True when the store holds no evidence object (nothing under the key prefix)."""
    try:
        directories, files = storage.evidence_storage().listdir(storage.KEY_PREFIX)
    except FileNotFoundError:
        return True
    return not directories and not files
