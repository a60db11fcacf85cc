"""Re-verifying a sealed pack against the store (`workers.verify_audit_pack`): the manifest's
seal recomputed (and the manifest still canonical), every file it names re-hashed by
streaming it from the store, and the built ZIP too. Every altered or missing file is named by
its path in the pack; the report is kept on the pack and written to the audit trail."""

import json

from botocore.exceptions import BotoCoreError, ClientError
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from audit_prep import audit
from evidence import storage
from evidence.models import StoredFile

from . import manifest as manifests
from .models import AuditPack, BuildState, VerificationState


class TransientStorageError(Exception):
    """The store could not be read now: the verification is tried again later."""


def _found(key: str, expected: str) -> str:
    """"intact", "altered" or "missing" for the object under `key`."""
    try:
        digest, _size = storage.hash_object(key)
    except FileNotFoundError:
        return "missing"
    except ClientError as exc:
        if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
            return "missing"
        raise TransientStorageError(str(exc)) from exc
    except (OSError, BotoCoreError) as exc:
        raise TransientStorageError(str(exc)) from exc
    return "intact" if digest == expected else "altered"


def _manifest_files(manifest: dict) -> list[dict]:
    return [stored for referential in manifest["referentials"]
            for requirement in referential["requirements"]
            for evidence in requirement["evidence"] for stored in evidence["files"]]


def _seal_holds(pack: AuditPack) -> tuple[bool, dict | None]:
    text = pack.manifest.encode("utf-8")
    try:
        manifest = json.loads(text)
    except ValueError:
        return False, None
    return (manifests.seal_of(text) == pack.seal and manifests.canonical(manifest) == text,
            manifest)


def check(pack: AuditPack) -> dict:
    """The report: whether the seal holds, the paths of altered and missing files, how many
    files were checked, and the state of the ZIP (None before it is built)."""
    seal_ok, manifest = _seal_holds(pack)
    files = _manifest_files(manifest) if manifest else []
    keys = dict(StoredFile.objects.filter(pk__in={f["id"] for f in files})
                .values_list("pk", "storage_key"))
    outcome: dict[tuple[int, str], str] = {}
    altered, missing = [], []
    for stored in files:
        key = (stored["id"], stored["sha256"])
        if key not in outcome:
            outcome[key] = (_found(keys[stored["id"]], stored["sha256"])
                            if stored["id"] in keys else "missing")
        if outcome[key] == "altered":
            altered.append(stored["path"])
        elif outcome[key] == "missing":
            missing.append(stored["path"])
    archive = (_found(pack.archive_key, pack.archive_sha256)
               if pack.state == BuildState.READY else None)
    return {"seal": "intact" if seal_ok else "altered", "checked": len(files),
            "altered": altered, "missing": missing, "archive": archive}


def intact(report: dict) -> bool:
    return (report["seal"] == "intact" and not report["altered"] and not report["missing"]
            and report["archive"] in (None, "intact"))


def verify(pack_id: int, actor_id: int | None) -> str:
    """Run a requested verification once (a second delivery finds it done); keep the report
    on the pack and in the audit trail, as done by the person who asked for it."""
    with transaction.atomic():
        changed = AuditPack.objects.filter(
            pk=pack_id, verification__in=(VerificationState.QUEUED, VerificationState.RUNNING)
        ).update(verification=VerificationState.RUNNING)
    if not changed:
        return "nothing to verify"
    pack = AuditPack.objects.get(pk=pack_id)
    try:
        report = check(pack)
    except TransientStorageError:
        AuditPack.objects.filter(pk=pack_id).update(verification=VerificationState.QUEUED)
        raise
    state = VerificationState.INTACT if intact(report) else VerificationState.ALTERED
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    with transaction.atomic():
        AuditPack.objects.filter(pk=pack_id).update(
            verification=state, verified_at=timezone.now(), verification_report=report)
        audit.record(actor, "audit_pack.verify", pack, after={
            "engagement": pack.engagement_id, "seal": pack.seal, "result": state.value,
            **report})
    return f"{state.value}: {len(report['altered'])} altered, {len(report['missing'])} missing"
