"""What the pages of a structure's settings (`/structures/<id>/settings/...`) share: the
structure from the URL, through the choke point (404 out of scope, 403 when the role does not
allow the section's action), and the context of their frame (`settings_base.html`)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from . import access
from .models import Organization
from .roles import Action


def structure(user, organization_id: int, action: Action = Action.VIEW) -> Organization:
    """The structure the URL names: 404 when `user` cannot see it, 403 when their role does not
    allow `action` there."""
    found = access.scope(Organization.objects.filter(pk=organization_id), user,
                         Action.VIEW).first()
    if found is None:
        raise Http404
    if not access.can(user, action, found.pk):
        raise PermissionDenied
    return found


def frame(organization: Organization, section: str, user, action: Action, **context) -> dict:
    """The context of a settings page: its structure, its section (for the navigation) and
    whether the person may change what it shows (`may_change`)."""
    return {"organization": organization, "settings_section": section,
            "may_change": access.can(user, action, organization.pk), **context}
