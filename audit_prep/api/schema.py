"""The OpenAPI schema says what the API really answers, refusals included.

Every operation gets the error responses it can really give, in the one error envelope of
`errors.py` (component `Error`), derived in one place (`error_statuses`) from what the view is
made of, never listed by hand per view:

- 400 when the operation reads input (a request body, or query parameters other than paging);
- 401 when the view authenticates (a wrong or expired token answers 401 even where no sign-in
  is needed);
- 403 when a permission class can refuse a signed-in user (`may_forbid(view)` refines it), or
  when an unsafe method meets session authentication (its CSRF check);
- 404 when the path names an object, or the list is paged (a page past the end);
- 406 always (content negotiation), 409 for unsafe methods (conflicts and integrity errors),
  413 when the body may be multipart (the upload caps), 415 when there is a body,
  429 when the view throttles, 503 always (database or storage unavailable).

A view adds or refines one with `extend_schema(responses={409: ...})`: what it declares wins.
Endpoints added later get theirs by the same rule (`SPECTACULAR_SETTINGS` names this class as
every view's schema through DRF's DEFAULT_SCHEMA_CLASS).
"""

import copy

from django.core.exceptions import FieldDoesNotExist
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions, serializers
from rest_framework.authentication import SessionAuthentication

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
PAGING_PARAMETERS = ("page", "page_size", "ordering")


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Stable code, for programs."))
    message = serializers.CharField(help_text=_("What happened, in the request's language."))
    request_id = serializers.CharField(help_text=_("The request's id, as in the logs."))
    # Not Serializer.fields: DRF's metaclass moves declared fields out of the class attributes.
    fields = serializers.DictField(required=False, help_text=_(  # type: ignore[assignment]
        "Validation errors by field: a list of {code, message}, or the same by position or "
        "name for lists and nested objects."))
    details = serializers.DictField(required=False, help_text=_(
        "Machine-readable details of the refusal (the rows of a file, the existing copy…)."))


class ErrorSerializer(serializers.Serializer):
    """Every refusal of the API: one shape, a stable code and a translated message."""

    error = ErrorBodySerializer()


ERROR_DESCRIPTIONS = {
    400: _("The request is not valid (validation_error, parse_error, value_out_of_range or "
           "a refusal of its own)."),
    401: _("Not signed in, or the token is wrong or expired (not_authenticated, "
           "authentication_failed)."),
    403: _("Your role does not allow this, or the session's CSRF check failed "
           "(permission_denied)."),
    404: _("No such object in your structures, or no such page (not_found)."),
    406: _("The Accept header asks for a type this operation cannot give (not_acceptable)."),
    409: _("The change conflicts with the current state (conflict and its kinds)."),
    413: _("The request or one of its files is too large (request_too_large, "
           "file_too_large)."),
    415: _("The body's content type is not accepted (unsupported_media_type)."),
    429: _("Too many requests: wait the time Retry-After gives (throttled)."),
    503: _("The database or the file store is unavailable; nothing was saved "
           "(service_unavailable, database_unavailable, storage_unavailable)."),
}

_HEADERS = {
    401: {"WWW-Authenticate": {"required": True, "schema": {"type": "string"},
                               "description": "How to authenticate (Token)."}},
    429: {"Retry-After": {"schema": {"type": "integer"},
                          "description": "Seconds to wait before trying again."}},
}


def _may_forbid(view, method: str) -> bool:
    if method not in SAFE_METHODS and any(isinstance(authenticator, SessionAuthentication)
                                          for authenticator in view.get_authenticators()):
        return True  # CSRF
    for permission in view.get_permissions():
        refine = getattr(permission, "may_forbid", None)
        if refine is not None:
            if refine(view):
                return True
        elif not isinstance(permission, (permissions.AllowAny, permissions.IsAuthenticated)):
            return True
    return False


def error_statuses(view, method: str, operation: dict, is_paged_list: bool) -> list[int]:
    """The error statuses an operation can answer, from the view's parts (see the module)."""
    parameters = operation.get("parameters", [])
    body = operation.get("requestBody", {}).get("content", {})
    takes_query = any(p["in"] == "query" and p["name"] not in PAGING_PARAMETERS
                      for p in parameters)
    found = {406, 503}
    found |= {400} if body or takes_query else set()
    found |= {401} if view.get_authenticators() else set()
    found |= {403} if _may_forbid(view, method) else set()
    found |= {404} if is_paged_list or any(p["in"] == "path" for p in parameters) else set()
    found |= {409} if method not in SAFE_METHODS else set()
    found |= {413} if "multipart/form-data" in body else set()
    found |= {415} if body else set()
    found |= {429} if view.get_throttles() else set()
    return sorted(found)


def _blank_allowed_by_model(field) -> bool:
    """A read-only choice field of a ModelSerializer whose model field may be blank (DRF drops
    `allow_blank` from read-only fields, so the schema would miss the "" they can show)."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.read_only:
        return False
    try:
        return bool(model._meta.get_field(field.source).blank)
    except FieldDoesNotExist:
        return False


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema, with each operation's error responses (`error_statuses`),
    and read-only choices that can be blank documented so."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if (isinstance(field, serializers.ChoiceField) and not field.allow_blank
                and _blank_allowed_by_model(field)):
            field = copy.copy(field)
            field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        paged = bool(self._is_list_view() and self._get_paginator())
        responses = operation["responses"]
        for status in error_statuses(self.view, method, operation, paged):
            if str(status) not in responses:
                response = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=str(ERROR_DESCRIPTIONS[status])),
                    str(status), media_types=["application/json"])
                if status in _HEADERS:
                    response["headers"] = _HEADERS[status]
                responses[str(status)] = response
        operation["responses"] = dict(sorted(responses.items()))
        return operation


def path_choice(name: str, choices, description: str | Promise) -> OpenApiParameter:
    """A path parameter taking one of a few words (an export's format...), as an enum."""
    return OpenApiParameter(name, str, OpenApiParameter.PATH, enum=list(choices),
                            description=description)


def file_responses(content_types, description: str | Promise, status: int = 200) -> dict:
    """A response whose body is a file of one of these types (exports, downloads)."""
    return {(status, content_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)
            for content_type in content_types}


def refusal(description: str | Promise) -> OpenApiResponse:
    """An error response a view declares itself (one the rule cannot see, such as a secret in
    the body that names no object), in the error envelope."""
    return OpenApiResponse(ErrorSerializer, description=description)
