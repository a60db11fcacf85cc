"""The page an invitation e-mail links to: the invitee sees which structure invites them and
with which role, then accepts (signed in with the invited address, or by creating an account)
or declines. The same services, checks and refusal messages as `invitations/accept/`."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .invitations import accounts, errors, services, tokens
from .models import Invitation, InvitationStatus
from .page_forms import refusals


def _answer(request, secret: str) -> list[str]:
    """Accept or decline as the form asks; the refusal messages, none on success."""
    user = request.user if request.user.is_authenticated else None
    if request.POST.get("answer") == "decline":
        found = refusals(lambda: services.decline(secret, user))
        if not found:
            messages.success(request, _("You declined the invitation."))
        return found
    joined = []
    found = refusals(lambda: joined.append(services.accept(
        secret, user, request.POST.get("username", ""), request.POST.get("password", ""))))
    if not found:
        messages.success(request, _("Welcome to %(structure)s.")
                         % {"structure": joined[0].organization.name})
    return found


def invitation_page(request, secret: str):
    """Show the invitation the secret opens, and take the invitee's answer."""
    invitation = (Invitation.objects.select_related("organization")
                  .filter(token_hash=tokens.hash_of(secret)).first())
    refused = []
    if invitation is not None and request.method == "POST":
        refused = _answer(request, secret)
        if not refused:
            return redirect("home" if request.user.is_authenticated
                            or request.POST.get("answer") == "decline" else "login")
    state = services.state_of(invitation) if invitation else None
    status = 404 if invitation is None else 410 if state != services.PENDING else 200
    return render(request, "audit_prep/pages/invitation.html", {
        "invitation": invitation, "state": state, "refusals": refused,
        "closed": errors.CLOSED[InvitationStatus(state)][1]
        if state and state != services.PENDING else None,
        "not_found": errors.InvitationNotFound.default_detail,
        "for_this_account": request.user.is_authenticated and invitation is not None
        and accounts.same_address(request.user.email, invitation.email),
    }, status=400 if refused else status)
