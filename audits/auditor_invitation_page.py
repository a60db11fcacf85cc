"""The page an auditor invitation e-mail links to (`/auditor-invitations/<secret>/`), in steps:
signed out, the invitee creates an account (or signs in with the invited address); then passes
the second factor, enrolling an authenticator app the first time; the access then exists and
the auditor goes on to their workspace. A closed or unknown link says why (410 / 404)."""

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from audit_prep import second_factor
from audit_prep.invitations import accounts, errors, tokens
from audit_prep.invitations.services import PENDING, state_of
from audit_prep.models import InvitationStatus
from audit_prep.page_forms import refusals
from audit_prep.second_factor_pages import code_refused, step_context

from . import auditor_services
from .auditors import second_factor_passed
from .models import AuditorInvitation

BACKEND = "django.contrib.auth.backends.ModelBackend"
ACCOUNT, OTHER_ACCOUNT, CODE, ACCEPT = "account", "other_account", "code", "accept"


def _step(request, invitation: AuditorInvitation) -> str:
    user = request.user
    if not user.is_authenticated:
        return ACCOUNT
    if not accounts.same_address(user.email, invitation.email):
        return OTHER_ACCOUNT
    return ACCEPT if second_factor_passed(user) else CODE


def _accept(request, secret: str) -> list[str]:
    accepted = []
    found = refusals(lambda: accepted.append(auditor_services.accept(secret, request.user)))
    if not found:
        second_factor.require_step(request, request.user)
        engagement = accepted[0].engagement
        messages.success(request, _("Your access to the audit of %(structure)s is ready.")
                         % {"structure": engagement.organization.name})
    return found


def _post(request, secret: str, step: str) -> tuple[list[str], str]:
    """(refusals, code error) of the step's form; both empty when it went through."""
    if step == ACCOUNT:
        created = []
        found = refusals(lambda: created.append(auditor_services.create_account(
            secret, request.POST.get("username", ""), request.POST.get("password", ""))))
        if not found:
            login(request, created[0], backend=BACKEND)
        return found, ""
    if step == CODE:
        error = code_refused(request)
        return ([], error) if error else (_accept(request, secret), "")
    if step == ACCEPT:
        return _accept(request, secret), ""
    return [], ""


def auditor_invitation_page(request, secret: str):
    """Show the invitation and take the invitee through its steps."""
    invitation = (AuditorInvitation.objects.select_related("engagement__organization")
                  .filter(token_hash=tokens.hash_of(secret)).first())
    state = state_of(invitation) if invitation else None
    if invitation is None or state != PENDING:
        return render(request, "audits/pages/auditor_invitation.html", {
            "invitation": invitation, "not_found": errors.InvitationNotFound.default_detail,
            "closed": errors.CLOSED[InvitationStatus(state)][1] if state else None,
        }, status=404 if invitation is None else 410)
    step, error = _step(request, invitation), ""
    found: list[str] = []
    if request.method == "POST":
        found, error = _post(request, secret, step)
        if not found and not error and step != OTHER_ACCOUNT:
            accepted = step in (CODE, ACCEPT)
            return redirect("audit-workspace") if accepted else redirect(request.path)
    step = _step(request, invitation)
    return render(request, "audits/pages/auditor_invitation.html", {
        "invitation": invitation, "engagement": invitation.engagement, "step": step,
        "refusals": found, "error": error,
        **(step_context(request.user) if step == CODE else {}),
    }, status=400 if found or error else 200)
