"""Roles and the actions each may perform. The single table the authorization layer reads."""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    QUALITY_MANAGER = "quality_manager", _("quality manager")
    CONTRIBUTOR = "contributor", _("contributor")
    VIEWER = "viewer", _("viewer")


class Action(StrEnum):
    VIEW = "view"
    DOWNLOAD = "download"
    CREATE = "create"
    CHANGE = "change"
    UPLOAD = "upload"
    SUBMIT = "submit"
    APPROVE = "approve"
    ARCHIVE = "archive"
    MANAGE_ORGANIZATION = "manage_organization"
    MANAGE_MEMBERS = "manage_members"
    VIEW_AUDIT_TRAIL = "view_audit_trail"
    MANAGE_REFERENTIALS = "manage_referentials"
    MANAGE_AUDITS = "manage_audits"
    # Writing as the engagement's auditor: requests, messages on the auditor thread, findings.
    # No structure role holds it; an engagement grant source gives it (decision 0022).
    AUDIT = "audit"


_READ = {Action.VIEW, Action.DOWNLOAD}
_CONTRIBUTE = _READ | {Action.CREATE, Action.CHANGE, Action.UPLOAD, Action.SUBMIT}

ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.VIEWER: frozenset(_READ),
    Role.CONTRIBUTOR: frozenset(_CONTRIBUTE),
    Role.QUALITY_MANAGER: frozenset(Action) - {Action.AUDIT},
}


def roles_allowing(action: Action) -> list[str]:
    return [role for role, actions in ROLE_ACTIONS.items() if action in actions]
