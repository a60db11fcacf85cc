"""The members of a structure, in its settings: who belongs with which role, a role changed, a
member removed after confirmation; invitations by e-mail, re-sent or withdrawn while pending.
The same serializers, services and refusals as the API's `memberships/` (the last quality
manager stays, whatever the page asks) and `invitations/` (the answer never tells whether an
account uses the address)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import access, services
from .api.invitations import InvitationSerializer
from .api.serializers import MembershipSerializer
from .invitations import services as invitations
from .models import Invitation, InvitationStatus, Membership, Organization
from .page_forms import error_messages, field_errors, refusals
from .roles import Action, Role
from .structure_settings import frame, structure


@login_required
def settings_home(request, organization_id: int):
    """The settings of a structure open on its members."""
    structure(request.user, organization_id)
    return redirect("structure-settings-members", organization_id)


def _members_page(request, organization: Organization, refused: list[str] | None = None,
                  refused_for: int | None = None):
    members = (Membership.objects.filter(organization=organization).select_related("user")
               .order_by("user__username"))
    return render(request, "audit_prep/pages/settings_members.html", frame(
        organization, "members", request.user, Action.MANAGE_MEMBERS, members=members,
        roles=Role.choices, refusals=refused or [], refused_for=refused_for),
        status=400 if refused else 200)


@login_required
def members(request, organization_id: int):
    """Members and their roles; quality managers get the forms to change them."""
    return _members_page(request, structure(request.user, organization_id))


def _membership(request, organization: Organization, membership_id: int) -> Membership:
    found = (access.scope(Membership.objects.filter(pk=membership_id, organization=organization),
                          request.user).select_related("user").first())
    if found is None:
        raise Http404
    return found


@login_required
@require_POST
def change_role(request, organization_id: int, membership_id: int):
    """Give a member another role (the API's PATCH `memberships/<id>/`)."""
    organization = structure(request.user, organization_id, Action.MANAGE_MEMBERS)
    membership = _membership(request, organization, membership_id)
    form = MembershipSerializer(membership, data={"role": request.POST.get("role", "")},
                                partial=True)
    if not form.is_valid():
        refused = error_messages(form.errors)
    else:
        refused = refusals(lambda: services.change_role(request.user, membership,
                                                        form.validated_data["role"]))
    if refused:
        return _members_page(request, organization, refused, membership.pk)
    membership.refresh_from_db()
    messages.success(request, _("%(user)s is now %(role)s.") % {
        "user": membership.user.username, "role": membership.get_role_display()})
    return redirect("structure-settings-members", organization.pk)


@login_required
def remove_member(request, organization_id: int, membership_id: int):
    """Ask for confirmation, then remove the member (the API's DELETE `memberships/<id>/`)."""
    organization = structure(request.user, organization_id, Action.MANAGE_MEMBERS)
    membership = _membership(request, organization, membership_id)
    refused: list[str] = []
    if request.method == "POST":
        refused = refusals(lambda: services.remove_member(request.user, membership))
        if not refused:
            messages.success(request, _("%(user)s is no longer a member of %(structure)s.") % {
                "user": membership.user.username, "structure": organization.name})
            if membership.user_id == request.user.pk:  # they left: nothing more to see here
                return redirect("home")
            return redirect("structure-settings-members", organization.pk)
    return render(request, "audit_prep/pages/settings_member_remove.html", frame(
        organization, "members", request.user, Action.MANAGE_MEMBERS, membership=membership,
        refusals=refused, is_self=membership.user_id == request.user.pk),
        status=400 if refused else 200)


def _invitations_page(request, organization: Organization, **context):
    pending = (access.scope(Invitation.objects.filter(organization=organization,
                                                      status=InvitationStatus.PENDING),
                            request.user, Action.MANAGE_MEMBERS)
               .select_related("invited_by").order_by("-created_at"))
    for invitation in pending:
        invitation.state = InvitationStatus(invitations.state_of(invitation))
    refused = bool(context.get("refusals") or context.get("field_errors"))
    return render(request, "audit_prep/pages/settings_invitations.html", frame(
        organization, "invitations", request.user, Action.MANAGE_MEMBERS, pending=pending,
        roles=Role.choices, **{"refusals": [], "field_errors": {}, "refused_for": None,
                               **context}),
        status=400 if refused else 200)


@login_required
def invitations_page(request, organization_id: int):
    """Pending invitations, and the form to invite an address with a role (quality
    managers)."""
    organization = structure(request.user, organization_id, Action.MANAGE_MEMBERS)
    if request.method != "POST":
        return _invitations_page(request, organization)
    form = InvitationSerializer(data={"organization": organization.pk,
                                      "email": request.POST.get("email", ""),
                                      "role": request.POST.get("role", "")},
                                context={"request": request})
    if not form.is_valid():
        return _invitations_page(request, organization, values=request.POST,
                                 field_errors=field_errors(form))
    data = form.validated_data
    refused = refusals(lambda: invitations.invite(request.user, organization, data["email"],
                                                  data["role"]))
    if refused:
        return _invitations_page(request, organization, values=request.POST, refusals=refused)
    messages.success(request, _("The invitation was sent to %(email)s.")
                     % {"email": invitations.normalized(data["email"])})
    return redirect("structure-settings-invitations", organization.pk)


def _answer_invitation(request, organization_id: int, invitation_id: int, service, done: str):
    organization = structure(request.user, organization_id, Action.MANAGE_MEMBERS)
    invitation = access.scope(Invitation.objects.filter(pk=invitation_id,
                                                        organization=organization),
                              request.user, Action.MANAGE_MEMBERS).first()
    if invitation is None:
        raise Http404
    refused = refusals(lambda: service(request.user, invitation))
    if refused:
        return _invitations_page(request, organization, refusals=refused,
                                 refused_for=invitation.pk)
    messages.success(request, done % {"email": invitation.email})
    return redirect("structure-settings-invitations", organization.pk)


@login_required
@require_POST
def resend_invitation(request, organization_id: int, invitation_id: int):
    """A new link and expiry e-mailed again (the API's `invitations/<id>/resend/`)."""
    return _answer_invitation(request, organization_id, invitation_id, invitations.resend,
                              _("The invitation to %(email)s was sent again."))


@login_required
@require_POST
def withdraw_invitation(request, organization_id: int, invitation_id: int):
    """Take a pending invitation back (the API's `invitations/<id>/withdraw/`)."""
    return _answer_invitation(request, organization_id, invitation_id, invitations.withdraw,
                              _("The invitation to %(email)s was withdrawn."))
