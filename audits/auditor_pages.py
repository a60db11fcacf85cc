"""The auditors of one audit, on its page in the structure's settings (quality managers): invite
an address with an access window, re-send or withdraw an invitation, extend or revoke an
access, download the access log as CSV. The same serializers, services and refusals as the
API's `auditor-invitations/`, `auditor-accesses/` and `engagements/{id}/access-log/`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit_prep.invitations.services import normalized
from audit_prep.page_forms import field_errors, filled, refusals
from audit_prep.roles import Action

from . import auditor_services, pages
from .api.auditors import AuditorInvitationSerializer, ExtendSerializer, access_log_response
from .models import AuditorAccess, AuditorInvitation

MANAGE = Action.MANAGE_AUDITS


def _engagement(request, organization_id: int, engagement_id: int):
    return pages.engagement_of(request, organization_id, engagement_id, MANAGE)


def _done(request, organization, engagement, message: str):
    messages.success(request, message)
    return redirect("structure-settings-engagement", organization.pk, engagement.pk)


def _refused(request, organization, engagement, found: list[str], **context):
    return pages.engagement_response(request, organization, engagement, refusals=found,
                                     **context)


@login_required
@require_POST
def invite(request, organization_id: int, engagement_id: int):
    """Invite an address to audit this engagement (the API's POST `auditor-invitations/`)."""
    organization, engagement = _engagement(request, organization_id, engagement_id)
    form = AuditorInvitationSerializer(data={"engagement": engagement.pk, **filled(
        request.POST, ("email", "starts_on", "ends_on"))}, context={"request": request})
    values = {"auditor_values": request.POST}
    if not form.is_valid():
        return _refused(request, organization, engagement, [],
                        auditor_errors=field_errors(form), **values)
    data = form.validated_data
    found = refusals(lambda: auditor_services.invite(
        request.user, engagement, data["email"], data.get("starts_on"), data.get("ends_on")))
    if found:
        return _refused(request, organization, engagement, found, **values)
    return _done(request, organization, engagement,
                 _("The invitation was sent to %(email)s.")
                 % {"email": normalized(data["email"])})


def _invitation(request, organization_id: int, engagement_id: int, invitation_id: int):
    organization, engagement = _engagement(request, organization_id, engagement_id)
    invitation = AuditorInvitation.objects.filter(pk=invitation_id,
                                                  engagement=engagement).first()
    if invitation is None:
        raise Http404
    return organization, engagement, invitation


def _act(request, organization, engagement, call, done: str):
    """Run one service call: back to the page with its message, or the page with the refusal."""
    found = refusals(call)
    if found:
        return _refused(request, organization, engagement, found)
    return _done(request, organization, engagement, done)


@login_required
@require_POST
def resend(request, organization_id: int, engagement_id: int, invitation_id: int):
    """A new link and expiry e-mailed again (the API's `auditor-invitations/<id>/resend/`)."""
    organization, engagement, invitation = _invitation(request, organization_id,
                                                       engagement_id, invitation_id)
    return _act(request, organization, engagement,
                lambda: auditor_services.resend(request.user, invitation),
                _("The invitation to %(email)s was sent again.") % {"email": invitation.email})


@login_required
@require_POST
def withdraw(request, organization_id: int, engagement_id: int, invitation_id: int):
    """Take a pending invitation back (the API's `auditor-invitations/<id>/withdraw/`)."""
    organization, engagement, invitation = _invitation(request, organization_id,
                                                       engagement_id, invitation_id)
    return _act(request, organization, engagement,
                lambda: auditor_services.withdraw(request.user, invitation),
                _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})


def _access(request, organization_id: int, engagement_id: int, access_id: int):
    organization, engagement = _engagement(request, organization_id, engagement_id)
    row = (AuditorAccess.objects.filter(pk=access_id, engagement=engagement)
           .select_related("user", "engagement").first())
    if row is None:
        raise Http404
    return organization, engagement, row


@login_required
@require_POST
def extend(request, organization_id: int, engagement_id: int, access_id: int):
    """Move an access's last day (the API's `auditor-accesses/<id>/extend/`)."""
    organization, engagement, row = _access(request, organization_id, engagement_id, access_id)
    form = ExtendSerializer(data=filled(request.POST, ("ends_on", "starts_on")))
    if not form.is_valid():
        return _refused(request, organization, engagement, [], extend_for=row.pk,
                        extend_errors=field_errors(form))
    found = refusals(lambda: auditor_services.extend(
        request.user, row, form.validated_data["ends_on"], form.validated_data.get("starts_on")))
    if found:
        return _refused(request, organization, engagement, found)
    return _done(request, organization, engagement,
                 _("The access of %(email)s now closes after %(date)s.")
                 % {"email": row.user.email,
                    "date": formats.date_format(form.validated_data["ends_on"], "DATE_FORMAT")})


@login_required
@require_POST
def revoke(request, organization_id: int, engagement_id: int, access_id: int):
    """Close an access at once (the API's `auditor-accesses/<id>/revoke/`)."""
    organization, engagement, row = _access(request, organization_id, engagement_id, access_id)
    return _act(request, organization, engagement,
                lambda: auditor_services.revoke(request.user, row),
                _("The access of %(email)s is revoked.") % {"email": row.user.email})


@login_required
@require_GET
def access_log(request, organization_id: int, engagement_id: int):
    """The audit's access log as CSV (the API's `engagements/<id>/access-log/`)."""
    _organization, engagement = _engagement(request, organization_id, engagement_id)
    return access_log_response(request.user, engagement)

