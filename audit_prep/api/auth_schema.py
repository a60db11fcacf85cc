"""The OpenAPI description of `authentication.SessionAuthentication`: DRF's session scheme
(imported by `AuditPrepConfig.ready`, which registers it with drf-spectacular)."""

from drf_spectacular.authentication import SessionScheme


class CsrfCheckedSessionScheme(SessionScheme):
    target_class = "audit_prep.api.authentication.SessionAuthentication"
