"""What the upload pages say about each file: created (or kept in a new version), refused with
the service's reason, already held by other items, or held back because the request carrying it
was refused whole. Built from the refusals the services raise (the API's codes and messages)."""

import dataclasses
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from audit_prep.api.errors import ApiError, parsing_refusal
from audit_prep.page_forms import error_messages

from .filetypes import sanitise_name
from .models import EvidenceItem, Revision

CREATED, DUPLICATE, REFUSED, HELD = "created", "duplicate", "refused", "held"


@dataclasses.dataclass
class FileResult:
    name: str
    item: EvidenceItem | None = None  # the item created, or given a new version
    revision: Revision | None = None  # the new version (revision pages)
    code: str = ""
    messages: list[str] = dataclasses.field(default_factory=list)
    holders: list[dict] = dataclasses.field(default_factory=list)
    field_errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # by form field
    refused: bool = False  # False with no item: valid, but its request was refused whole
    status: int = 201

    @property
    def outcome(self) -> str:
        if self.item is not None and not self.refused:
            return CREATED
        if self.holders:
            return DUPLICATE
        return REFUSED if self.refused else HELD


def refused(name: str, refusal: Exception, labels: dict[str, str] | None = None) -> FileResult:
    """The result of a file a service (or the body's reading) refused."""
    code = getattr(refusal, "code", None) or "validation_error"
    detail = getattr(refusal, "detail", refusal)
    if isinstance(refusal, DjangoValidationError):
        detail = refusal.message_dict if hasattr(refusal, "error_dict") else refusal.messages
    if isinstance(detail, dict) and labels:
        messages = [f"{labels.get(field, field)} : {text}" if field in labels else text
                    for field, value in detail.items() for text in error_messages(value)]
    else:
        messages = error_messages(detail)
    holders = getattr(refusal, "details", {}).get("existing", []) if code == "duplicate_content" \
        else []
    field_errors = {field: error_messages(value) for field, value in detail.items()} \
        if isinstance(detail, dict) else {}
    return FileResult(name=name, code=str(code), messages=messages, holders=holders, refused=True,
                      status=getattr(refusal, "status_code", 400), field_errors=field_errors)


def body_refusal(exception: Exception) -> ApiError | None:
    """The refusal met while reading a request body (too large, too many files or fields), as
    the API gives it; None for any other error."""
    if isinstance(exception, ApiError):
        return exception
    return parsing_refusal(exception)


def read_body(request) -> ApiError | None:
    """Read the multipart body (each file streamed to a temporary file and hashed by
    `HashingUploadHandler`, never held in memory); the refusal met on the way, if any."""
    try:
        request.POST  # noqa: B018 - reading the body
        request.FILES  # noqa: B018
    except Exception as exception:
        refusal = body_refusal(exception)
        if refusal is None:
            raise
        request._post, request._files = QueryDict(), MultiValueDict()
        return refusal
    return None


def proposed_title(file_name: str) -> str:
    """A title from a file's name: its clean stem, separators as spaces ("Procédure accueil")."""
    stem = PurePath(sanitise_name(file_name)).stem or sanitise_name(file_name) or file_name
    return " ".join(stem.replace("_", " ").split())[:200] or _("Evidence")


def held_back(names: list[str], found: list[Any]) -> list[FileResult]:
    """Every file of a request refused whole: its own refusal, or held back."""
    return [found_one if isinstance(found_one, FileResult) else FileResult(name=name)
            for name, found_one in zip(names, found, strict=True)]
