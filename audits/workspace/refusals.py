"""Refused attempts of auditors, in the audit trail (decision 0028): whatever the route (the
workspace, a structure's page, the API), a 403, 404 or 405 answered to a signed-in user who
holds any auditor access is recorded as `auditor.refused` with the path, the method and the
status. On one of their own engagements (before its access opens, after it closes or is
revoked, without the second factor — the API's 403; a page sends to the step instead —, a
write they may not make) it is recorded in that
engagement's structure, with `engagement` as the access log reads it; anywhere else it
belongs to no structure (the account is the object): another structure is not told about an
auditor it never invited, and the auditor's structures are not told where else they work."""

from django.urls import Resolver404, resolve

from audit_prep import audit

from ..models import Engagement
from .guard import holds_auditor_access, is_auditor_of

REFUSALS = frozenset({403, 404, 405})


def _engagement_asked(request) -> Engagement | None:
    """The engagement the path names, if any (resolved here when a middleware answered
    before the URL was: the second factor's refusal)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
    engagement_id = match.kwargs.get("engagement_id")
    if engagement_id is None:
        return None
    return Engagement.objects.filter(pk=engagement_id).first()


def record_refusal(request, status: int) -> None:
    details = {"path": request.path, "method": request.method, "status": status}
    engagement = _engagement_asked(request)
    if engagement is not None and is_auditor_of(request.user, engagement):
        audit.record(request.user, "auditor.refused", engagement,
                     organization_id=engagement.organization_id,
                     after={"engagement": engagement.pk, **details})
        return
    if engagement is not None:
        details["engagement"] = engagement.pk
    audit.record(request.user, "auditor.refused", request.user, organization_id=None,
                 after=details)


class AuditorRefusalMiddleware:
    """Records auditors' refused requests (one query for anyone else refused: do they hold an
    auditor access?)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (response.status_code in REFUSALS and user is not None
                and holds_auditor_access(user)):
            record_refusal(request, response.status_code)
        return response
