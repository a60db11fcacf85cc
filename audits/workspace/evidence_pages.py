"""The evidence an engagement shows its auditor (`auditor_evidence`: linked to requirements of
its referentials, in the revision in force on the audit date): the list, an item's page with
the in-browser preview of its files, and their download through the vault's safe serving code
(`evidence.serving`, decision 0020). A file outside those revisions is 404 (and, for an
auditor, logged as refused)."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from audit_prep.roles import Action
from checklists.item_actions import allow_previews
from evidence import search as evidence_search
from evidence import serving
from evidence.models import Revision, StoredFile
from evidence.services import record_download

from ..auditor_evidence import auditor_evidence, auditor_files, engagement_links
from ..models import Engagement
from . import search
from .guard import auditor_page, is_auditor_of, shown
from .pages import frame

PAGE_SIZE = 50


def _requirement_asked(request, engagement: Engagement):
    """The requirement `?requirement=<id>` names, when it is one of the engagement's."""
    value = request.GET.get("requirement", "")
    if not value.isdigit() or len(value) > 12:
        return None
    link = (engagement_links(engagement).filter(requirement_id=int(value))
            .select_related("requirement").first())
    return link.requirement if link else None


def _name(requirement) -> str:
    return getattr(requirement, f"name_{'en' if get_language() == 'en' else 'fr'}") \
        or requirement.name_fr


@require_safe
@auditor_page("page")
def evidence_list(request, engagement: Engagement):
    """The engagement's evidence, by title, or best first for the words of `q` (searched among
    the engagement's evidence only, `search.searched`); `?requirement=<id>` keeps those linked
    to one requirement (the checklist's "see them all"). htmx gets the results only."""
    items = auditor_evidence(engagement).order_by("title", "pk")
    requirement = _requirement_asked(request, engagement)
    if "requirement" in request.GET:
        items = (items.filter(requirement_links__requirement=requirement) if requirement
                 else items.none())
    query, search_errors = search.read(request.GET.get("q", ""))
    if query is not None:
        items = search.searched(items, query)
    elif search_errors:
        items = items.none()
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    search.describe_matches(engagement, page.object_list, query)
    query_string = request.GET.copy()
    query_string.pop("page", None)
    template = ("audits/workspace/evidence_results.html" if request.htmx
                else "audits/workspace/evidence_list.html")
    return render(request, template, frame(
        request, engagement, section="evidence", page=page, query=query_string.urlencode(),
        searching=query is not None, search_at_most=evidence_search.RANKED_AT_MOST,
        search_errors=search_errors,
        requirement=requirement, requirement_name=requirement and _name(requirement),
        requirement_asked="requirement" in request.GET), status=400 if search_errors else 200)


def _item_or_404(engagement: Engagement, evidence_id: int):
    item = auditor_evidence(engagement).select_related("owner").filter(pk=evidence_id).first()
    if item is None:
        raise Http404
    return item


@require_safe
@auditor_page("view")
def evidence_page(request, engagement: Engagement, evidence_id: int):
    """One item as it stood on the audit date: its facts, the revision then in force and its
    files (preview on request, download), the engagement's requirements it answers."""
    item = _item_or_404(engagement, evidence_id)
    revision = (Revision.objects.filter(pk=item.revision_in_force_id)
                .prefetch_related("files").first())
    files = list(revision.files.all()) if revision else []
    base = reverse("audit-engagement", args=[engagement.pk]) + "files/"
    for stored in files:  # the preview include (shared with the item's page) reads them
        vars(stored).update(preview_href=f"{base}{stored.pk}/preview/",
                            download_href=f"{base}{stored.pk}/download/")
    links = list(engagement_links(engagement).filter(evidence=item)
                 .select_related("requirement__referential")
                 .order_by("requirement__referential__ref_id", "requirement__order"))
    for link in links:
        link.requirement_name = _name(link.requirement)
    shown(request, item, revision=item.revision_in_force_number)
    preview = request.GET.get("preview", "")
    response = render(request, "audits/workspace/evidence_detail.html", frame(
        request, engagement, section="evidence", item=item, revision=revision, files=files,
        links=links, previewable=serving.PREVIEWABLE,
        shown_preview=int(preview) if preview.isdigit() and len(preview) < 12 else None))
    allow_previews(response)
    return response


def _file_or_404(engagement: Engagement, file_id: int) -> StoredFile:
    stored = auditor_files(engagement).select_related("revision").filter(pk=file_id).first()
    if stored is None:
        raise Http404
    return stored


def _serve(request, engagement: Engagement, file_id: int, inline: bool):
    stored = _file_or_404(engagement, file_id)
    if inline and not serving.previewable(stored):
        raise Http404
    if is_auditor_of(request.user, engagement):
        shown(request, stored, name=stored.name, sha256=stored.sha256,
              evidence=stored.revision.evidence_id, **({"inline": True} if inline else {}))
    else:  # a member previewing what the auditor sees: logged as any download of theirs
        record_download(request.user, stored, transfers=request.method != "HEAD",
                        inline=inline)
    return serving.file_response(stored, inline=inline)


@require_safe
@auditor_page("download", Action.DOWNLOAD)
def file_download(request, engagement: Engagement, file_id: int):
    """A file of a revision in force, as an attachment (or a signed URL on S3)."""
    return _serve(request, engagement, file_id, inline=False)


@require_safe
@xframe_options_sameorigin
@auditor_page("download", Action.DOWNLOAD)
def file_preview(request, engagement: Engagement, file_id: int):
    """A PDF or an image of a revision in force, inline, for the item's page to embed."""
    return _serve(request, engagement, file_id, inline=True)
