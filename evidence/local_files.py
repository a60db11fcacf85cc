"""Files that do not come through HTTP (demo data, imports, benchmarks) presented like the
streamed uploads of `upload_handlers`: name, size, sha256, too_large, seekable."""

import hashlib
from pathlib import Path

from django.conf import settings
from django.core.files import File

CHUNK = 1024 * 1024


class LocalUpload(File):
    def __init__(self, path: Path | str, name: str | None = None):
        path = Path(path)
        hasher = hashlib.sha256()
        size = 0
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                hasher.update(chunk)
                size += len(chunk)
        super().__init__(path.open("rb"), name=name or path.name)
        self.sha256 = hasher.hexdigest()
        self._size = size
        self.too_large = size > settings.UPLOAD_MAX_BYTES

    @property
    def size(self):
        return self._size
