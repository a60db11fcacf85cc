"""Refusals of the auditor invitations and accesses, each with its stable code."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from audit_prep.api.errors import ApiError, Conflict
from audit_prep.invitations.errors import AlreadyInvited


class AuditorIsMember(Conflict):
    default_code = "auditor_is_member"
    default_detail = _("This address belongs to a member of the structure: a member cannot be "
                       "the auditor of its own structure's audit. Invite another address.")


class AlreadyAuditor(Conflict):
    default_code = "already_auditor"
    default_detail = _("This address already has an access to this audit: extend it rather "
                       "than inviting it again.")


class AlreadyInvitedAuditor(AlreadyInvited):
    default_detail = _("This address already has a pending invitation to this audit; send it "
                       "again or withdraw it.")


class AccessRevoked(Conflict):
    default_code = "access_revoked"
    default_detail = _("This access was revoked; invite the auditor again to give a new one.")


class InvalidWindow(ApiError):
    default_code = "invalid_access_window"
    default_detail = _("The access must close on or after the day it opens.")


class SecondFactorFirst(ApiError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "second_factor_required"
    default_detail = _("Confirm your second factor (the code of your authenticator app) to "
                       "accept this invitation.")
