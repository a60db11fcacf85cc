"""The sections of a structure's settings area (`/structures/<id>/settings/...`), for its
navigation (`checklists/pages/settings_nav.html`): each section with the URL name of its page
and the action a person needs to be shown it. A section whose page is not routed is left out.

The pages themselves check the role again (`audit_prep.access`): the navigation only spares
people links that would answer 403."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .. import access
from ..roles import Action

register = template.Library()

# (key, URL name, label, the action that shows the section), in the order of the navigation.
SECTIONS = [
    ("members", "structure-settings-members", _("Members and roles"), Action.VIEW),
    ("invitations", "structure-settings-invitations", _("Invitations"), Action.MANAGE_MEMBERS),
    ("referentials", "structure-settings-referentials", _("Adopted referentials"),
     Action.VIEW),
    ("requirements", "structure-settings-requirements", _("Own requirements"), Action.VIEW),
    ("populations", "structure-settings-populations", _("Populations"), Action.VIEW),
    ("reminders", "structure-settings-reminders", _("Reminder policy"), Action.VIEW),
    ("audits", "structure-settings-audits", _("Certification and audits"), Action.VIEW),
    ("improvement", "structure-settings-improvement", _("Nonconformities and improvement plan"),
     Action.VIEW),
    ("grading", "structure-settings-grading-scales", _("Grading scales"), Action.VIEW),
]


@register.simple_tag(takes_context=True)
def settings_sections(context, organization) -> list[dict]:
    """The sections of `organization`'s settings the signed-in person may open: key, label,
    url."""
    user = context["request"].user
    shown = []
    for key, url_name, label, action in SECTIONS:
        if not access.can(user, action, organization.pk):
            continue
        try:
            url = reverse(url_name, args=[organization.pk])
        except NoReverseMatch:  # a section still to come
            continue
        shown.append({"key": key, "label": label, "url": url})
    return shown
