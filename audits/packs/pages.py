"""An audit's sealed packs, in the structure's settings: every member follows each pack's build
(a progress bar polled with htmx while a worker builds it) and downloads it once ready; quality
managers seal the audit, build a failed pack again and re-verify a seal against the store. The
same services and refusals as the API's `audit-packs/`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit_prep.page_forms import refusals
from audit_prep.roles import Action
from audit_prep.structure_settings import frame

from ..requests.pages import engagement_of  # the structure and its audit, as every page
from . import services
from .models import AuditPack, BuildState
from .serving import pack_response

SECTION = "audits"


def _pack(request, organization_id: int, engagement_id: int, pack_id: int,
          action=Action.VIEW):
    organization, engagement = engagement_of(request, organization_id, engagement_id, action)
    pack = (AuditPack.objects.filter(pk=pack_id, engagement=engagement)
            .select_related("engagement__organization", "sealed_by").first())
    if pack is None:
        raise Http404
    return organization, engagement, pack


def _packs_page(request, organization, engagement, refused=()):
    packs = list(engagement.packs.select_related("sealed_by", "engagement")
                 .order_by("-number"))
    return render(request, "audits/pages/packs.html", frame(
        organization, SECTION, request.user, Action.MANAGE_AUDITS, engagement=engagement,
        packs=packs, refusals=list(refused)), status=400 if refused else 200)


@login_required
def packs(request, organization_id: int, engagement_id: int):
    """The audit's packs; a quality manager's POST seals the audit now."""
    if request.method != "POST":
        return _packs_page(request, *engagement_of(request, organization_id, engagement_id))
    organization, engagement = engagement_of(request, organization_id, engagement_id,
                                             Action.MANAGE_AUDITS)
    refused = refusals(lambda: services.seal(request.user, engagement))
    if refused:
        return _packs_page(request, organization, engagement, refused)
    messages.success(request, _("The audit is sealed: its pack is being built."))
    return redirect("structure-settings-engagement-packs", organization.pk, engagement.pk)


@login_required
@require_GET
def pack_status(request, organization_id: int, engagement_id: int, pack_id: int):
    """One pack's row (polled by htmx while the pack is queued or being built)."""
    organization, engagement, pack = _pack(request, organization_id, engagement_id, pack_id)
    return render(request, "audits/pages/pack_row.html", frame(
        organization, SECTION, request.user, Action.MANAGE_AUDITS, engagement=engagement,
        pack=pack))


@login_required
@require_GET
def pack_download(request, organization_id: int, engagement_id: int, pack_id: int):
    pack = _pack(request, organization_id, engagement_id, pack_id, Action.DOWNLOAD)[2]
    if pack.state != BuildState.READY:
        raise Http404
    services.record_download(request.user, pack, transfers=request.method != "HEAD")
    return pack_response(pack)


def _act(request, organization_id, engagement_id, pack_id, service, done: str):
    organization, engagement, pack = _pack(request, organization_id, engagement_id, pack_id,
                                           Action.MANAGE_AUDITS)
    refused = refusals(lambda: service(request.user, pack))
    if refused:
        return _packs_page(request, organization, engagement, refused)
    messages.success(request, done)
    return redirect("structure-settings-engagement-packs", organization.pk, engagement.pk)


@login_required
@require_POST
def pack_verify(request, organization_id: int, engagement_id: int, pack_id: int):
    """Re-verify the seal against the store (in a worker)."""
    return _act(request, organization_id, engagement_id, pack_id,
                services.request_verification,
                _("The verification of the seal is under way: every file is read again."))


@login_required
@require_POST
def pack_rebuild(request, organization_id: int, engagement_id: int, pack_id: int):
    """Build a failed pack's ZIP again."""
    return _act(request, organization_id, engagement_id, pack_id, services.rebuild,
                _("The pack is being built again."))
