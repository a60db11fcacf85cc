"""Refusals of the invitation routes, each with its stable code."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from ..api.errors import ApiError, Conflict
from ..models import InvitationStatus


class InvitationNotFound(ApiError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "invitation_not_found"
    default_detail = _("This invitation link is not valid (it may have been replaced by a newer "
                       "one).")


class InvitationClosed(ApiError):
    """The secret belongs to an invitation that can no longer be used."""

    status_code = status.HTTP_410_GONE
    default_code = "invitation_closed"
    default_detail = _("This invitation can no longer be used.")


CLOSED = {
    InvitationStatus.EXPIRED: ("invitation_expired", _(
        "This invitation has expired; ask the structure's quality manager to send it again.")),
    InvitationStatus.WITHDRAWN: ("invitation_withdrawn", _(
        "This invitation was withdrawn by the structure.")),
    InvitationStatus.DECLINED: ("invitation_declined", _(
        "This invitation was declined.")),
    InvitationStatus.ACCEPTED: ("invitation_used", _(
        "This invitation has already been accepted.")),
}


def closed(state: str) -> InvitationClosed:
    code, message = CLOSED[InvitationStatus(state)]
    return InvitationClosed(message, code=code)


class OtherAccount(ApiError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "invitation_other_account"
    default_detail = _("This invitation was sent to another e-mail address than your account's; "
                       "sign in with the account of that address, or sign out to create one.")


class SignInToAccept(Conflict):
    default_code = "sign_in_to_accept"
    default_detail = _("An account already uses this e-mail address: sign in with it, then "
                       "accept the invitation.")


class AlreadyInvited(Conflict):
    default_code = "already_invited"
    default_detail = _("This address already has a pending invitation to the structure; send it "
                       "again or withdraw it.")


class AlreadyMember(Conflict):
    default_code = "already_member"
    default_detail = _("This address belongs to a member of the structure already.")


class NotPending(Conflict):
    default_code = "invitation_not_pending"
    default_detail = _("Only a pending invitation can be sent again or withdrawn.")
