"""The one way into the auditor's workspace (decision 0028), for its pages and its API.

`enter(user, engagement_id, action)` resolves the engagement and asks the choke point
(`access.require_engagement`: 404 when the user has no grant on it, 403 when the grant lacks
the action); nothing else decides. `record(...)` writes what the engagement's auditors do in
the audit trail, in the shape the access log export reads:
`auditor.<verb>` on the object, in the engagement's structure, `after={"engagement": id, ...}`:

- `page`: a workspace page was shown;
- `view`: an evidence item was looked at (its page), or the API read something;
- `download`: a file's bytes were sent (a download or an in-browser preview).

Members of the structure (the quality manager previewing what the auditor sees) pass the same
choke point by their role and are not logged as auditors. A HEAD is checked, not logged.
Refusals are logged by `refusals.AuditorRefusalMiddleware`, whatever the route.

Pages use the `auditor_page(verb, action)` decorator: the view receives the engagement and
names what it showed with `shown(request, obj, **details)` (default: the engagement). Pages
that write (requests, findings) take `action=Action.AUDIT` (or the member's action) and leave
the record of the write to their service; the decorator logs their GETs."""

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import Http404
from rest_framework.exceptions import NotFound, PermissionDenied

from audit_prep import access, audit
from audit_prep.roles import Action

from ..auditors import access_of
from ..models import AuditorAccess, Engagement

VERBS = ("page", "view", "download")


def engagement_of(engagement_id) -> Engagement:
    """The engagement (with its structure), or 404 as for an engagement without a grant."""
    engagement = (Engagement.objects.select_related("organization")
                  .filter(pk=engagement_id).first())
    if engagement is None:
        raise NotFound()
    return engagement


def enter(user, engagement_id, action: Action = Action.VIEW) -> Engagement:
    """The engagement if `user` may perform `action` on it (the choke point decides)."""
    engagement = engagement_of(engagement_id)
    access.require_engagement(user, action, engagement)
    return engagement


def is_auditor_of(user, engagement: Engagement) -> bool:
    """Whether `user` holds an auditor access to this engagement (open or not)."""
    return bool(user.is_authenticated) and access_of(user, engagement.pk) is not None


def holds_auditor_access(user) -> bool:
    """Whether `user` holds any auditor access at all (memoised for the request)."""
    if not user.is_authenticated:
        return False
    return access.memoised(user, "any_auditor_access", lambda: AuditorAccess.objects.filter(
        user=user).exists())


def record(request, verb: str, engagement: Engagement, obj=None, **details) -> None:
    """`auditor.<verb>` in the audit trail when the engagement's auditor did it (not for
    members, not for a HEAD)."""
    assert verb in VERBS, verb
    if request.method == "HEAD" or not is_auditor_of(request.user, engagement):
        return
    audit.record(request.user, f"auditor.{verb}", obj if obj is not None else engagement,
                 organization_id=engagement.organization_id,
                 after={"engagement": engagement.pk, "path": request.path, **details})


def shown(request, obj, **details) -> None:
    """What the page showed, for its audit event (the engagement when not named)."""
    request.workspace_shown = (obj, details)


def auditor_page(verb: str = "page", action: Action = Action.VIEW):
    """A workspace page: signed-in users only, the engagement through the choke point (404 or
    403 pages), the visit recorded once the page was rendered."""
    def decorate(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request, engagement_id: int, *args, **kwargs):
            try:
                engagement = enter(request.user, engagement_id, action)
            except NotFound as refusal:
                raise Http404(str(refusal.detail)) from refusal
            except PermissionDenied as refusal:
                raise PageForbidden(str(refusal.detail)) from refusal
            response = view(request, engagement, *args, **kwargs)
            # A page shown is logged here; a form sent is the service's to record (its own
            # event, in the write's transaction).
            if request.method == "GET" and response.status_code < 400:
                obj, details = getattr(request, "workspace_shown", (None, {}))
                record(request, verb, engagement, obj, **details)
            return response
        return wrapper
    return decorate
