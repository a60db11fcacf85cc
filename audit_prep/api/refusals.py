"""Refusals made outside the API views, in the API's one error shape when the request is for the
API: Django's 400 / 403 / 404 / 500 handlers, the CSRF failure view, and chunked request bodies.
Pages (the admin, the sign-in form, the API docs) keep Django's HTML answers."""

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import csrf, defaults
from rest_framework import status

from .errors import CsrfFailed, error_body, parsing_refusal

# Under /api/ but pages for a browser: DRF's sign-in form and the Swagger UI.
_HTML_PREFIXES = ("/api/auth/", "/api/docs/")


def is_api_request(request) -> bool:
    path = request.path_info
    return path.startswith("/api/") and not path.startswith(_HTML_PREFIXES)


def envelope(status_code: int, code: str, message, details: dict | None = None) -> JsonResponse:
    return JsonResponse({"error": error_body(code, message, details)}, status=status_code,
                        json_dumps_params={"ensure_ascii": False})


def bad_request(request, exception, template_name="400.html"):
    if not is_api_request(request):
        return defaults.bad_request(request, exception, template_name)
    refusal = parsing_refusal(exception)
    if refusal is not None:
        return envelope(refusal.status_code, refusal.code, refusal.detail, refusal.details)
    return envelope(status.HTTP_400_BAD_REQUEST, "bad_request",
                    _("The request is malformed and could not be read; nothing was saved."))


def permission_denied(request, exception, template_name="403.html"):
    if not is_api_request(request):
        return defaults.permission_denied(request, exception, template_name)
    return envelope(status.HTTP_403_FORBIDDEN, "permission_denied",
                    _("Your role in this structure does not allow this action."))


def page_not_found(request, exception, template_name="404.html"):
    if not is_api_request(request):
        return defaults.page_not_found(request, exception, template_name)
    return envelope(status.HTTP_404_NOT_FOUND, "not_found",
                    _("Nothing was found at this address (the API is described at /api/docs/)."))


def server_error(request, template_name="500.html"):
    if not is_api_request(request):
        return defaults.server_error(request, template_name)
    return envelope(status.HTTP_500_INTERNAL_SERVER_ERROR, "server_error",
                    _("The server met an unexpected error. Try again; if it happens again, give "
                      "the request id to your administrator."))


def csrf_failure(request, reason="", template_name=csrf.CSRF_FAILURE_TEMPLATE_NAME):
    """CSRF_FAILURE_VIEW: Django's CSRF middleware refused a write (the API's own session
    check raises `CsrfFailed` in `authentication.SessionAuthentication`)."""
    if not is_api_request(request):
        return csrf.csrf_failure(request, reason, template_name)
    return envelope(status.HTTP_403_FORBIDDEN, CsrfFailed.default_code,
                    CsrfFailed.default_detail, {"reason": reason})


class ChunkedBodyMiddleware:
    """Refuses a request body sent with Transfer-Encoding and no Content-Length (411,
    `chunked_upload_not_supported`). Django's WSGI request reads exactly Content-Length bytes,
    so such a body would read as empty (an upload answered "attach at least one file"). The
    documented deployment's proxy buffers chunked bodies and forwards them with a length."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "HTTP_TRANSFER_ENCODING" in request.META and not request.META.get("CONTENT_LENGTH"):
            message = gettext("Request bodies sent in chunks (Transfer-Encoding without "
                              "Content-Length) are not accepted; nothing was saved. Send the "
                              "request with its Content-Length.")
            if is_api_request(request):
                return envelope(status.HTTP_411_LENGTH_REQUIRED,
                                "chunked_upload_not_supported", message)
            return HttpResponse(message, status=status.HTTP_411_LENGTH_REQUIRED,
                                content_type="text/plain; charset=utf-8")
        return self.get_response(request)

