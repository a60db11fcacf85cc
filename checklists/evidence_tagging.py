"""Tagging an evidence item against requirements from its page: a search across the referentials
its structure follows (by clause, "7.2", or by words of the requirement's name, in French or
English), a button to link each result, and one to remove each link. Linking and unlinking are
the API's (`links.link_one`, `links.unlink`: the same checks, refusals and audit trail); those
who may change the item may tag it, as the API's link routes allow."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from audit_prep import access
from audit_prep.page_forms import refusals
from audit_prep.roles import Action
from evidence.models import EvidenceItem

from .api.serializers import LinkSerializer
from .evidence_pages import item_or_404, render_detail
from .models import Adoption, EvidenceLink, Exclusion, Requirement
from .services import links

RESULTS_SHOWN = 20
QUERY_LENGTH = 100


def search(user, item: EvidenceItem, query: str) -> tuple[list[Requirement], bool]:
    """The requirements of the item's structure matching `query`, clause order, and whether
    there were more than those shown. A query is a clause reference (its start: "7" finds 7.1
    and 7.2) or words, each found in the French or the English name."""
    query = query.strip()[:QUERY_LENGTH]
    if not query:
        return [], False
    words = Q()
    for word in query.split():
        words &= Q(name_fr__icontains=word) | Q(name_en__icontains=word)
    adopted = Adoption.objects.filter(organization_id=item.organization_id)
    found = list(access.scope(Requirement.objects.filter(
        Q(ref_id__istartswith=query) | words,
        Q(organization__isnull=True) | Q(organization_id=item.organization_id),
        referential__in=adopted.values("referential_id"), retired_at__isnull=True,
        assessable=True), user).select_related("referential")
        .order_by("referential__ref_id", "order")[:RESULTS_SHOWN + 1])
    return found[:RESULTS_SHOWN], len(found) > RESULTS_SHOWN


def _results_context(request, item: EvidenceItem) -> dict:
    query = request.GET.get("q", "")
    found, more = search(request.user, item, query)
    language = "en" if get_language() == "en" else "fr"
    linked = set(EvidenceLink.objects.filter(evidence=item, requirement__in=found)
                 .values_list("requirement_id", flat=True))
    excluded = set(Exclusion.objects.filter(organization_id=item.organization_id,
                                            requirement__in=found)
                   .values_list("requirement_id", flat=True))
    results = [{"requirement": requirement, "linked": requirement.pk in linked,
                "excluded": requirement.pk in excluded,
                "name": getattr(requirement, f"name_{language}") or requirement.name_fr}
               for requirement in found]
    return {"tag_query": query, "tag_results": results, "tag_more": more}


@require_safe
@login_required
def requirements(request, evidence_id: int):
    """The search's results: the list alone for htmx, else the item's page showing them."""
    item = item_or_404(request, evidence_id)
    refusals(lambda: access.require(request.user, Action.CHANGE, item.organization_id))
    context = _results_context(request, item)
    if request.htmx:
        return render(request, "checklists/pages/evidence_tag_results.html",
                      {"item": item, **context})
    return render_detail(request, item, **context)


def _back(item: EvidenceItem):
    return redirect(reverse("evidence-page", args=[item.pk]) + "#requirements")


@require_POST
@login_required
def link(request, evidence_id: int):
    item = item_or_404(request, evidence_id)
    done = []

    def attempt():
        access.require(request.user, Action.CHANGE, item.organization_id)
        serializer = LinkSerializer(data={"evidence": item.pk,
                                          "requirement": request.POST.get("requirement"),
                                          "note": request.POST.get("note", "")},
                                    context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        done.append(links.link_one(request.user, item, data["requirement"], data["note"]))

    refused = refusals(attempt)
    if refused:
        return render_detail(request, item, status=400, refused={"link": refused})
    requirement = done[0].requirement
    messages.success(request, _("Linked to %(referential)s %(ref)s.") % {
        "referential": requirement.referential.ref_id, "ref": requirement.ref_id})
    return _back(item)


@require_POST
@login_required
def unlink(request, evidence_id: int, link_id: int):
    item = item_or_404(request, evidence_id)
    found = (access.scope(EvidenceLink.objects.filter(pk=link_id, evidence=item), request.user)
             .select_related("evidence", "requirement__referential").first())
    if found is None:
        raise Http404
    refusals(lambda: links.unlink(request.user, found))
    requirement = found.requirement
    messages.success(request, _("The link to %(referential)s %(ref)s was removed.") % {
        "referential": requirement.referential.ref_id, "ref": requirement.ref_id})
    return _back(item)
