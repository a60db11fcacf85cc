"""One error format for the whole API, with stable codes and translated messages:

    {"error": {"code": "...", "message": "...", "fields": {...}, "details": {...},
               "request_id": "..."}}

`code` is stable and meant for programs; `message` is in the request's language (French by
default, English with `Accept-Language: en`).
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, OperationalError
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from ..request_id import current_request_id


class ApiError(exceptions.APIException):
    """An error with a stable code and optional machine-readable details."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    default_code = "bad_request"
    default_detail = _("The request is not valid.")

    def __init__(self, detail=None, code=None, details=None):
        super().__init__(detail=detail, code=code)
        self.code = code or self.default_code
        self.details = details or {}


class Conflict(ApiError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = _("This change conflicts with the current state of the data.")


class InvalidState(Conflict):
    default_code = "invalid_state"
    default_detail = _("This action is not possible in the current state.")


class ServiceUnavailable(ApiError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_detail = _("A service is temporarily unavailable; nothing was saved. Try again.")


class RequestTooLarge(ApiError):
    """The request is larger than every file at its cap plus the form fields, or its fields alone
    pass DATA_UPLOAD_MAX_MEMORY_SIZE."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self, limit: int):
        megabytes = max(1, limit // (1024 * 1024))
        super().__init__(gettext("The request is larger than the %(limit)d MB allowed; nothing "
                                 "was saved.") % {"limit": megabytes},
                         details={"limit_bytes": limit})


class TooManyFiles(ApiError):
    """More files in one request than UPLOAD_MAX_FILES (DATA_UPLOAD_MAX_NUMBER_FILES follows)."""

    default_code = "too_many_files"

    def __init__(self, limit: int | None = None):
        limit = limit or settings.UPLOAD_MAX_FILES
        super().__init__(gettext("Too many files in one request: at most %(limit)d; nothing was "
                                 "saved. Send the others in another request.") % {"limit": limit},
                         details={"limit": limit})


class TooManyFields(ApiError):
    """More form fields than DATA_UPLOAD_MAX_NUMBER_FIELDS."""

    default_code = "too_many_fields"

    def __init__(self):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        super().__init__(gettext("Too many fields in one request: at most %(limit)d; nothing "
                                 "was saved.") % {"limit": limit}, details={"limit": limit})


class CsrfFailed(ApiError):
    """A session-authenticated write without a valid CSRF token (token clients never need one)."""

    status_code = status.HTTP_403_FORBIDDEN
    default_code = "csrf_failed"
    default_detail = _("The CSRF check failed, so nothing was saved: reload the page and send it "
                       "again. A program should sign in with a token (Authorization: Token ...) "
                       "or send the csrftoken cookie's value in the X-CSRFToken header.")


def parsing_refusal(exc) -> ApiError | None:
    """The API error for a refusal Django raises while reading the request body."""
    if isinstance(exc, TooManyFilesSent):
        return TooManyFiles(settings.DATA_UPLOAD_MAX_NUMBER_FILES)
    if isinstance(exc, TooManyFieldsSent):
        return TooManyFields()
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return None


_DRF_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ParseError: "parse_error",
    exceptions.ValidationError: "validation_error",
}

_MESSAGES = {
    "not_found": _("Not found."),
    "permission_denied": _("Your role in this structure does not allow this action."),
    "validation_error": _("Some fields are not valid."),
}


def _field_errors(detail):
    """Flatten DRF's nested error details into {field: [{"code", "message"}]}."""
    if isinstance(detail, dict):
        return {str(key): _field_errors(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail) for item in detail):
            return [{"code": item.code, "message": str(item)} for item in detail]
        return [_field_errors(item) for item in detail]
    return [{"code": getattr(detail, "code", "invalid"), "message": str(detail)}]


def _convert(exc):
    refusal = parsing_refusal(exc)
    if refusal is not None:
        return refusal
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(
                {
                    field: [exceptions.ErrorDetail(m, code=e.code or "invalid")
                            for e in errors for m in e.messages]
                    for field, errors in exc.error_dict.items()
                }
            )
        return exceptions.ValidationError(
            [exceptions.ErrorDetail(m, code=e.code or "invalid")
             for e in exc.error_list for m in e.messages]
        )
    if isinstance(exc, DataError | OverflowError):
        # A value the database cannot take (out of range, malformed; SQLite raises
        # OverflowError for integers past 64 bits): the inputs' own validation should have
        # refused it first; this is the safety net.
        return ApiError(_("A value is outside what can be stored or compared; nothing was "
                          "changed."), code="value_out_of_range")
    if isinstance(exc, IntegrityError):
        return Conflict()
    if isinstance(exc, OperationalError):
        return ServiceUnavailable(code="database_unavailable")
    return exc


def error_body(code: str, message, details: dict | None = None) -> dict[str, Any]:
    """The inside of the error envelope (`{"error": error_body(...)}`)."""
    body: dict[str, Any] = {"code": code, "message": str(message),
                            "request_id": current_request_id()}
    if details:
        body["details"] = details
    return body


def exception_handler(exc, context):
    exc = _convert(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    body = error_body("error", "")
    if isinstance(exc, ApiError):
        body = error_body(exc.code, exc.detail, exc.details)
    elif isinstance(exc, exceptions.ValidationError):
        body["code"] = "validation_error"
        body["message"] = str(_MESSAGES["validation_error"])
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body["fields"] = _field_errors(detail)
    else:
        code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), None)
        body["code"] = code or getattr(exc, "default_code", "error")
        body["message"] = str(_MESSAGES.get(body["code"], exc.detail))
    response.data = {"error": body}
    return response
