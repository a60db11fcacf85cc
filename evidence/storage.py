"""Access to the evidence store (local disk or S3 through django-storages). Objects are
content-addressed: the key names the structure and the SHA-256 of the bytes."""

import hashlib
import logging
import weakref

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from storages.backends.s3 import S3Storage

from audit_prep.api.errors import ServiceUnavailable

logger = logging.getLogger(__name__)
HASH_CHUNK = 1024 * 1024
KEY_PREFIX = "o"
PROBE_KEY = "readyz/probe"  # never written: only asked whether it exists


class StorageUnavailable(ServiceUnavailable):
    default_code = "storage_unavailable"
    default_detail = _("The file store is unavailable; nothing was saved. Try again later.")


def evidence_storage():
    return storages["default"]


def check_reachable() -> None:
    """The readiness check of the store (registered in `/readyz` by `evidence.apps`): a cheap
    existence query, raising when the store cannot answer."""
    evidence_storage().exists(PROBE_KEY)


def storage_key(organization_id: int, sha256: str) -> str:
    return f"{KEY_PREFIX}/{organization_id}/{sha256[:2]}/{sha256}"


def is_s3(storage=None) -> bool:
    storage = storage or evidence_storage()
    return hasattr(storage, "bucket_name")


def put(fileobj, key: str) -> None:
    """Write `fileobj` under `key` unless an object is already there (same key, same bytes)."""
    storage = evidence_storage()
    try:
        if storage.exists(key):
            return
        fileobj.seek(0)
        if hasattr(fileobj, "temporary_file_path") and not is_s3(storage):
            # A streamed upload on local disk is moved into place, not copied. (On S3 the
            # wrapper keeps the client's declared Content-Type out of the object's metadata.)
            payload = fileobj
        else:
            payload = File(fileobj, name=key)
        saved = storage.save(key, payload)
    except Exception as exc:
        logger.exception("storage write failed for %s", key)
        raise StorageUnavailable() from exc
    if saved != key:  # pragma: no cover - guarded by allow_overwrite / file_overwrite settings
        raise StorageUnavailable()


def open_object(key: str):
    return evidence_storage().open(key, "rb")


def hash_object(key: str) -> tuple[str, int]:
    """SHA-256 and size of a stored object, read in chunks."""
    hasher = hashlib.sha256()
    size = 0
    with open_object(key) as handle:
        while chunk := handle.read(HASH_CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return hasher.hexdigest(), size


# Per store instance (Django builds a new one when STORAGES changes): (endpoint, signer).
_public_signers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _signing_storage():
    """The store itself, or, with S3_PUBLIC_ENDPOINT_URL, the same bucket addressed through the
    endpoint browsers reach (a signed URL names its host, and the signature covers it)."""
    storage = evidence_storage()
    public = settings.S3_PUBLIC_ENDPOINT_URL
    if not public:
        return storage
    endpoint, signer = _public_signers.get(storage, (None, None))
    if endpoint != public:
        options = {**settings.STORAGES["default"]["OPTIONS"], "endpoint_url": public}
        signer = S3Storage(**options)
        _public_signers[storage] = (public, signer)
    return signer


def presigned_download_url(key: str, name: str, mime_type: str, inline: bool = False) -> str:
    """A short-lived S3 URL that makes the browser save the file under its display name (or,
    `inline`, show it: the in-browser preview)."""
    return _signing_storage().url(
        key,
        parameters={
            "ResponseContentDisposition": content_disposition_header(not inline, name),
            "ResponseContentType": mime_type,
        },
        expire=settings.DOWNLOAD_URL_TTL_SECONDS,
    )
