"""Streaming upload handler: every uploaded file goes to a temporary file on disk while its
SHA-256 and size are computed chunk by chunk; bytes beyond the cap are discarded, never kept."""

import hashlib
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from audit_prep.api.errors import RequestTooLarge, TooManyFiles


def request_size_limit() -> int:
    # Every file at its cap, plus room for the form fields and the multipart framing.
    return settings.UPLOAD_MAX_BYTES * settings.UPLOAD_MAX_FILES + 1024 * 1024


class HashingUploadHandler(TemporaryFileUploadHandler):
    _files_seen = 0  # one handler per request

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > request_size_limit():
            raise RequestTooLarge(request_size_limit())
        return None

    def new_file(self, *args, **kwargs):
        # Django's DATA_UPLOAD_MAX_NUMBER_FILES (set to UPLOAD_MAX_FILES) counts too; this
        # check keeps the vault's own limit whatever that setting says.
        self._files_seen += 1
        if self._files_seen > settings.UPLOAD_MAX_FILES:
            raise TooManyFiles()
        super().new_file(*args, **kwargs)
        self._hasher = hashlib.sha256()
        self._received = 0
        self._too_large = False

    def receive_data_chunk(self, raw_data, start):
        self._received += len(raw_data)
        if self._too_large:
            return None
        if self._received > settings.UPLOAD_MAX_BYTES:
            # Stop keeping anything; the service rejects the file by its `too_large` mark.
            self._too_large = True
            self.file.truncate(0)
            return None
        self._hasher.update(raw_data)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size):
        # A TemporaryUploadedFile, marked with what the upload service reads (local_files'
        # LocalUpload carries the same marks).
        upload: Any = super().file_complete(file_size)
        upload.size = self._received
        upload.sha256 = self._hasher.hexdigest()
        upload.too_large = self._too_large
        return upload
