"""What an evidence item's page offers the person looking at it: the actions their role allows
(`access.can`, the choke point; the services check again when a form is sent), the previews
of its files, and the policy that lets the page embed them."""

from django.utils import timezone

from audit_prep import access
from audit_prep.roles import Action
from evidence import serving
from evidence.models import EvidenceItem

# The forms of the page, and the action each needs.
ACTIONS = {"change": Action.CHANGE, "submit": Action.SUBMIT, "approve": Action.APPROVE,
           "archive": Action.ARCHIVE}


def context(request, item: EvidenceItem) -> dict:
    """`may`: the actions the user's role allows on the item; `refused`: the messages of the
    form that was refused, by form (none here); what the forms start with; the file whose
    preview is shown (`?preview=<id>`: a preview is a download, made on request only)."""
    return {
        "may": {name: access.can(request.user, action, item.organization_id)
                for name, action in ACTIONS.items()},
        "previewable": serving.PREVIEWABLE,
        "refused": {},
        "sent": {},
        "today": timezone.localdate(),
        "tag_query": "",
        "tag_results": None,
        "shown_preview": _number(request.GET.get("preview")),
    }


def _number(value) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def allow_previews(response) -> None:
    """Files previewed from S3 come from the bucket's origin: the page may frame and show them
    (django-csp adds these sources to the site's policy for this response only)."""
    origin = serving.browser_origin()
    if origin:
        response._csp_update = {"frame-src": [origin], "img-src": [origin]}
