"""What a session remembers of its person at sign-in for the workspace (decision 0028): whether
they are an auditor and a member of no structure, so that every page's header shows them their
audits and no structure, without a query per page."""

from audit_prep import logins
from audit_prep.models import Membership

from ..models import AuditorAccess

WORKSPACE_ONLY = "audit_workspace_only"


def on_logged_in(sender, request=None, user=None, **kwargs):
    """Receiver of `user_logged_in`."""
    session = getattr(logins.http_request(request), "session", None) if request else None
    if session is None or user is None:
        return
    if (AuditorAccess.objects.filter(user=user).exists()
            and not Membership.objects.filter(user=user).exists()):
        session[WORKSPACE_ONLY] = True
    else:
        session.pop(WORKSPACE_ONLY, None)
