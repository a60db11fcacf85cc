"""The ZIP of a sealed pack, built by a worker (`workers.build_audit_pack`) in bounded memory.

Each evidence file is streamed from the store into the archive in chunks, hashed on the way
(a file that no longer matches its sealed SHA-256 fails the build, named); then `index.xlsx`,
`index.pdf`, `manifest.json` (the sealed bytes themselves: its SHA-256 is the seal) and
`SHA256SUMS`, which `sha256sum -c` checks once the archive is extracted. The archive goes to
a temporary file as a stream (ZIP64, data descriptors), hashed as it is written, then into the
store under `packs/`, outside the content-addressed prefix the orphan sweep lists.

The pack row is the ledger: queued -> building (bytes and files done, a heartbeat at least
every `PROGRESS_SECONDS`) -> ready | failed with its reason. A build is claimed under a row
lock, so a task delivered twice builds once; a build whose heartbeat stopped (a worker that
died) is claimed again after `STALE_SECONDS`."""

import contextlib
import datetime
import hashlib
import json
import os
import tempfile
import time
import zipfile
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation

from audit_prep import audit
from evidence import storage

from . import index
from .models import AuditPack, BuildState, PackFile

CHUNK = 1024 * 1024
HASH_DEPTH = 8  # chunks the hashing thread may be behind (memory: at most this many MiB)
PROGRESS_SECONDS = 1.0
STALE_SECONDS = 120
PACK_PREFIX = "packs"
_BATCH = 500


class Busy(Exception):
    """Another worker is building this pack (its heartbeat is fresh)."""


class TransientStorageError(Exception):
    """The store could not be read now; the build is queued again."""


class _Failed(Exception):
    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


def archive_key(pack: AuditPack) -> str:
    return (f"{PACK_PREFIX}/{pack.engagement.organization_id}/{pack.engagement_id}/"
            f"{pack.pk}-{pack.seal[:16]}.zip")


def claim(pack_id: int) -> AuditPack | None:
    """Take the build: None when there is nothing to build (built, failed, unknown); `Busy`
    while another worker's build is alive."""
    with transaction.atomic():
        pack = (AuditPack.objects.select_for_update().select_related("engagement")
                .filter(pk=pack_id).first())
        if pack is None or pack.state in (BuildState.READY, BuildState.FAILED):
            return None
        stale = timezone.now() - datetime.timedelta(seconds=STALE_SECONDS)
        if pack.state == BuildState.BUILDING and pack.progress_at and pack.progress_at > stale:
            raise Busy(pack_id)
        pack.state, pack.build_attempts = BuildState.BUILDING, pack.build_attempts + 1
        pack.progress_done, pack.files_done, pack.progress_at = 0, 0, timezone.now()
        pack.save(update_fields=["state", "build_attempts", "progress_done", "files_done",
                                 "progress_at"])
    return pack


class _Progress:
    """Bytes and files done, written to the pack row at most every `PROGRESS_SECONDS`."""

    def __init__(self, pack: AuditPack):
        self.pack_id, self.total = pack.pk, pack.progress_total
        self.done = self.files = 0
        self.last = time.monotonic()

    def add(self, size: int, files: int = 0) -> None:
        self.done, self.files = self.done + size, self.files + files
        if time.monotonic() - self.last >= PROGRESS_SECONDS:
            self.flush()

    def flush(self) -> None:
        AuditPack.objects.filter(pk=self.pack_id).update(
            progress_done=min(self.done, self.total), files_done=self.files,
            progress_at=timezone.now())
        self.last = time.monotonic()


class _Hashing:
    """SHA-256 updates run by one helper thread (hashlib releases the GIL), in order, at most
    `HASH_DEPTH` chunks behind: reading, CRC and writing go on meanwhile, on the other core."""

    def __init__(self, pool: ThreadPoolExecutor):
        self.pool = pool
        self.pending: deque[Future] = deque()

    def update(self, hasher, data: bytes) -> None:
        self.pending.append(self.pool.submit(hasher.update, data))
        while len(self.pending) > HASH_DEPTH:
            self.pending.popleft().result()

    def hexdigest(self, hasher) -> str:
        while self.pending:
            self.pending.popleft().result()
        return hasher.hexdigest()


class _HashingWriter:
    """A write-only stream (no seek: zipfile writes data descriptors) to a file, hashed and
    counted as it is written."""

    def __init__(self, handle, hashing: _Hashing):
        self.handle, self.hashing, self.hasher, self.size = handle, hashing, hashlib.sha256(), 0

    def write(self, data) -> int:
        self.hashing.update(self.hasher, bytes(data))
        self.size += len(data)
        return self.handle.write(data)

    def hexdigest(self) -> str:
        return self.hashing.hexdigest(self.hasher)

    def flush(self) -> None:
        self.handle.flush()

    def close(self) -> None:
        """The file is closed by its owner."""


def _open_stored(stored_file, path: str):
    try:
        return storage.open_object(stored_file.storage_key)
    except FileNotFoundError as exc:
        raise _Failed("missing_file", path) from exc
    except ClientError as exc:
        if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
            raise _Failed("missing_file", path) from exc
        raise TransientStorageError(str(exc)) from exc
    except (OSError, BotoCoreError) as exc:
        raise TransientStorageError(str(exc)) from exc


@dataclass
class _Archive:
    zip: zipfile.ZipFile
    stamp: tuple
    sums: list
    hashing: _Hashing

    def entry(self, path: str, size: int):
        info = zipfile.ZipInfo(path, date_time=self.stamp)
        info.compress_type, info.file_size = zipfile.ZIP_STORED, size
        info.external_attr = 0o644 << 16
        return self.zip.open(info, "w")

    def add_bytes(self, path: str, data: bytes) -> None:
        with self.entry(path, len(data)) as out:
            out.write(data)
        self.sums.append((hashlib.sha256(data).hexdigest(), path))


def _copy(archive: _Archive, row: PackFile, progress: _Progress) -> None:
    hasher, hashing = hashlib.sha256(), archive.hashing
    with _open_stored(row.stored_file, row.path) as source, \
            archive.entry(row.path, row.size) as out:
        try:
            while chunk := source.read(CHUNK):
                hashing.update(hasher, chunk)
                out.write(chunk)
                progress.add(len(chunk))
        except (OSError, BotoCoreError, ClientError) as exc:
            raise TransientStorageError(str(exc)) from exc
    if hashing.hexdigest(hasher) != row.sha256:
        raise _Failed("altered_file", row.path)
    archive.sums.append((row.sha256, row.path))
    progress.add(0, files=1)


def _rows(pack: AuditPack):
    last = -1
    while batch := list(PackFile.objects.filter(pack=pack, position__gt=last)
                        .select_related("stored_file").order_by("position")[:_BATCH]):
        yield from batch
        last = batch[-1].position


def _index_bytes(write, manifest: dict, seal: str) -> bytes:
    with tempfile.SpooledTemporaryFile(max_size=8 * CHUNK) as spool:
        write(manifest, seal, spool)
        spool.seek(0)
        return spool.read()


def _indexes(pack: AuditPack) -> list[tuple[str, bytes]]:
    """`index.xlsx` and `index.pdf`, from the sealed manifest, in the language it was sealed
    in (run in a thread beside the copy: no database access)."""
    manifest = json.loads(pack.manifest)
    with translation.override(pack.language):
        return [(name, _index_bytes(write, manifest, pack.seal))
                for name, write in (("index.xlsx", index.write_xlsx),
                                    ("index.pdf", index.write_pdf))]


def _write(pack: AuditPack, handle, hashing: _Hashing) -> _HashingWriter:
    writer = _HashingWriter(handle, hashing)
    progress = _Progress(pack)
    stamp = timezone.localtime(pack.sealed_at).timetuple()[:6]
    # The indexes are laid out (CPU) while the files are copied (I/O, hashing without the
    # GIL), so that the archive is not held up by them at the end.
    with ThreadPoolExecutor(max_workers=1) as pool, \
            zipfile.ZipFile(writer, "w", zipfile.ZIP_STORED, allowZip64=True) as zipped:
        indexes = pool.submit(_indexes, pack)
        archive = _Archive(zipped, stamp, [], hashing)
        for row in _rows(pack):
            _copy(archive, row, progress)
        while not wait([indexes], timeout=PROGRESS_SECONDS).done:
            progress.flush()  # the heartbeat goes on while the indexes are finished
        for name, data in indexes.result():
            archive.add_bytes(name, data)
        archive.add_bytes("manifest.json", pack.manifest.encode("utf-8"))
        sums = "".join(f"{digest}  {path}\n" for digest, path in archive.sums)
        archive.add_bytes("SHA256SUMS", sums.encode("utf-8"))
    progress.flush()
    return writer


class _TemporaryZip(File):
    """The written ZIP presented as a streamed upload: moved, not copied, on local disk."""

    def __init__(self, handle, key: str):
        super().__init__(handle, name=key)
        self.path = handle.name

    def temporary_file_path(self) -> str:
        return self.path


def _store(pack: AuditPack) -> tuple[str, int, str]:
    key = archive_key(pack)
    # Not a context manager: the file outlives its handle (moved into the store, or removed).
    handle = tempfile.NamedTemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR,  # noqa: SIM115
                                         suffix=".zip", delete=False)
    try:
        with handle, ThreadPoolExecutor(max_workers=1) as pool:
            writer = _write(pack, handle, _Hashing(pool))
            digest = writer.hexdigest()
        with open(handle.name, "rb") as written:  # moved into place on local disk
            storage.put(_TemporaryZip(written, key), key)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(handle.name)
    return key, writer.size, digest


def _finish(pack_id: int, was: BuildState, **fields) -> AuditPack:
    with transaction.atomic():
        AuditPack.objects.filter(pk=pack_id, state=was).update(**fields)
        pack = AuditPack.objects.get(pk=pack_id)
        if pack.state == BuildState.READY:
            audit.record(None, "audit_pack.built", pack, after={
                "engagement": pack.engagement_id, "archive_sha256": pack.archive_sha256,
                "archive_size": pack.archive_size, "files": pack.file_count})
        elif pack.state == BuildState.FAILED:
            audit.record(None, "audit_pack.build_failed", pack, after={
                "engagement": pack.engagement_id, "reason": pack.failure_reason,
                "detail": pack.failure_detail})
    return pack


def build(pack_id: int) -> str:
    """Build the pack's ZIP if it is queued (or its build died); safe to run twice."""
    pack = claim(pack_id)
    if pack is None:
        return "nothing to build"
    try:
        key, size, digest = _store(pack)
    except _Failed as failure:
        _finish(pack_id, BuildState.BUILDING, state=BuildState.FAILED,
                failure_reason=failure.reason,
                failure_detail=failure.detail, progress_at=timezone.now())
        return f"failed: {failure}"
    except (TransientStorageError, storage.StorageUnavailable):
        AuditPack.objects.filter(pk=pack_id, state=BuildState.BUILDING).update(
            state=BuildState.QUEUED)
        raise
    _finish(pack_id, BuildState.BUILDING, state=BuildState.READY, archive_key=key,
            archive_size=size, archive_sha256=digest, built_at=timezone.now(),
            progress_done=pack.progress_total, files_done=pack.file_count,
            progress_at=timezone.now())
    return f"built {key}"


def fail(pack_id: int, reason: str, detail: str) -> None:
    """Mark a build failed for good (the task's retries ran out)."""
    _finish(pack_id, BuildState.QUEUED, state=BuildState.FAILED, failure_reason=reason,
            failure_detail=detail)
