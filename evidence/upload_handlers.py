"""Streaming upload handler: every uploaded file goes to a temporary file on disk while its
SHA-256 and size are computed chunk by chunk; bytes beyond the cap are discarded, never kept."""

import hashlib
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from rest_framework import status

from audit_prep.api.errors import ApiError


class RequestTooLarge(ApiError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self, limit: int):
        from django.utils.translation import gettext as _

        super().__init__(
            _("The request is larger than the %(limit)d MB allowed.")
            % {"limit": limit // (1024 * 1024)},
            details={"limit_bytes": limit},
        )


def request_size_limit() -> int:
    # Every file at its cap, plus room for the form fields and the multipart framing.
    return settings.UPLOAD_MAX_BYTES * settings.UPLOAD_MAX_FILES + 1024 * 1024


class HashingUploadHandler(TemporaryFileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > request_size_limit():
            raise RequestTooLarge(request_size_limit())
        return None

    def new_file(self, *args, **kwargs):
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
