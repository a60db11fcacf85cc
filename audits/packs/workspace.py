"""The sealed packs in the auditor's workspace (`/audit/<id>/pack/`): the engagement's built
packs with their seal, and their download. Through `audits.workspace.guard` like every
workspace page (the choke point, then `auditor.page` / `auditor.download` in the audit trail
for the engagement's auditor); a member previewing downloads as from the structure's pages
(`audit_pack.download`)."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from audit_prep.roles import Action

from ..models import Engagement
from ..workspace.guard import auditor_page, is_auditor_of, shown
from ..workspace.pages import frame
from . import services
from .models import AuditPack, BuildState
from .serving import pack_response


@require_safe
@auditor_page("page")
def packs(request, engagement: Engagement):
    """The packs sealed for this audit that are ready to download, newest first."""
    ready = list(AuditPack.objects.filter(engagement=engagement, state=BuildState.READY)
                 .order_by("-number"))
    return render(request, "audits/workspace/pack.html", frame(
        request, engagement, section="pack", packs=ready))


@require_safe
@auditor_page("download", Action.DOWNLOAD)
def pack_download(request, engagement: Engagement, pack_id: int):
    """A built pack of this audit, as an attachment (or a signed URL on S3)."""
    pack = (AuditPack.objects.select_related("engagement__organization")
            .filter(pk=pack_id, engagement=engagement, state=BuildState.READY).first())
    if pack is None:
        raise Http404
    if is_auditor_of(request.user, engagement):
        services.record_download(request.user, pack, transfers=False)
        shown(request, pack, pack=pack.pk, number=pack.number, seal=pack.seal,
              sha256=pack.archive_sha256)
    else:
        services.record_download(request.user, pack, transfers=request.method != "HEAD")
    return pack_response(pack)
