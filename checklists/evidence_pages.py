"""Web pages of the vault: the evidence list and an item's page. They show the requirements
each item answers, so they live with the links, in checklists. Same filters, choke point and
rules as the API (`LinkedEvidenceFilter`, `access.scope`; the search's glue in
`evidence_listing`)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, Prefetch, Q
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import get_language

from audit_prep import access
from audit_prep.models import AuditEvent
from audit_prep.roles import Action
from evidence import search as evidence_search
from evidence.expiry import expiry_state
from evidence.models import EvidenceItem, EvidenceKind, EvidenceStatus, Revision, StoredFile
from evidence.same_content import mark_same_content
from evidence.upload_pages import upload_structures

from . import evidence_listing, item_actions
from .models import EvidenceLink, Requirement
from .suggestions import blocks as suggestion_blocks

PAGE_SIZE = 50
TRAIL_SHOWN = 100  # the latest events of an item's history on its page


def _visible_items(user):
    return access.scope(EvidenceItem.objects.select_related("organization", "owner"), user)


def _language() -> str:
    return "en" if get_language() == "en" else "fr"


def _requirement_asked(request) -> Requirement | None:
    """The requirement `?requirement=<id>` names (the checklist's "see them all"), when the
    person may see it."""
    value = request.GET.get("requirement", "")
    if not value.isdigit() or len(value) > 12:
        return None
    return (access.scope(Requirement.objects.filter(pk=int(value)), request.user)
            .select_related("referential").first())


@login_required
def evidence_list(request):
    """The evidence of my structures: words searched in their files too, filters, sort,
    pages; htmx requests get the results only. A refused search or filter answers 400 with
    its message in the form, the page still usable."""
    found = evidence_listing.listing(request, _visible_items(request.user))
    requirement, items = _requirement_asked(request), found.items
    if "requirement" in request.GET:  # one the user cannot see lists nothing, as an unknown one
        items = (items.filter(requirement_links__requirement=requirement) if requirement
                 else items.none())
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    for item in page:
        item.expiry = expiry_state(item)
    evidence_listing.describe_matches(page.object_list, found.query)
    query = request.GET.copy()
    query.pop("page", None)
    template = ("checklists/pages/evidence_list_results.html" if request.htmx
                else "checklists/pages/evidence_list.html")
    return render(request, template, {
        "page": page, "errors": found.errors, "search_errors": found.search_errors,
        "searching": found.query is not None, "search_at_most": evidence_search.RANKED_AT_MOST,
        "ordering": found.ordering,
        "statuses": EvidenceStatus.choices, "kinds": EvidenceKind.choices,
        "selected_statuses": request.GET.getlist("status"), "query": query.urlencode(),
        "requirement": requirement, "requirement_asked": "requirement" in request.GET,
        "requirement_name": requirement and (
            getattr(requirement, f"name_{_language()}") or requirement.name_fr),
        "may_add": upload_structures(request.user).exists(),
        **evidence_listing.filter_choices(request)},
        status=400 if found.errors or found.search_errors else 200)


def item_or_404(request, evidence_id: int) -> EvidenceItem:
    """The item if the user may see it (its revisions newest first, with their files)."""
    files = StoredFile.objects.annotate(text_note=F("extracted_text__note"),
                                        text_source=F("extracted_text__source"))
    revisions = Revision.objects.order_by("-number").prefetch_related(
        Prefetch("files", queryset=files))
    item = (_visible_items(request.user).filter(pk=evidence_id)
            .prefetch_related("tags", Prefetch("revisions", queryset=revisions)).first())
    if item is None:
        raise Http404
    return item


@login_required
def evidence_detail(request, evidence_id: int):
    """One item: its facts, its revisions and files, the requirements it answers and, for
    those who may read the audit trail, its history."""
    return render_detail(request, item_or_404(request, evidence_id))


def links_context(request, item: EvidenceItem) -> dict:
    """The requirements the item answers, as its page lists them (`links`), and what the
    user may do (`may`)."""
    links = list(access.scope(EvidenceLink.objects.filter(evidence=item), request.user)
                 .select_related("requirement__referential")
                 .order_by("requirement__referential__ref_id", "requirement__order"))
    language = _language()
    for link in links:
        requirement = link.requirement
        link.requirement_name = getattr(requirement, f"name_{language}") or requirement.name_fr
    return {"links": links, "may": item_actions.context(request, item)["may"]}


def render_detail(request, item: EvidenceItem, status: int = 200, **extra):
    """The item's page; `extra` adds to its context (the refusals of a form sent from it)."""
    revision_ids = [str(revision.pk) for revision in item.revisions.all()]
    file_ids = [str(file.pk) for revision in item.revisions.all() for file in revision.files.all()]
    about_item = (Q(object_type="evidence.evidenceitem", object_id=str(item.pk))
                  | Q(object_type="evidence.revision", object_id__in=revision_ids)
                  | Q(object_type="evidence.storedfile", object_id__in=file_ids))
    trail = access.scope(AuditEvent.objects.filter(about_item).select_related("actor"),
                         request.user, Action.VIEW_AUDIT_TRAIL).order_by("-pk")[:TRAIL_SHOWN]
    mark_same_content(request.user, item)
    may_upload = (access.can(request.user, Action.UPLOAD, item.organization_id)
                  and item.status != EvidenceStatus.ARCHIVED)
    response = render(request, "checklists/pages/evidence_detail.html", {
        "may_upload": may_upload,
        "item": item, "expiry": expiry_state(item), "trail": trail,
        "may_read_trail": access.can(request.user, Action.VIEW_AUDIT_TRAIL,
                                     item.organization_id),
        **item_actions.context(request, item), **links_context(request, item),
        **suggestion_blocks.context(request, item), **extra}, status=status)
    item_actions.allow_previews(response)
    return response
