"""Where people see suggested tags (decision 0032): a block on the evidence item's page with a
button to link each requirement and one to dismiss it (htmx swaps the block; without
JavaScript the forms post and come back to the page), and, from the checklist, the page of the
existing evidence that might answer a requirement still missing. Thin views over `services`
and `matching`, through the choke point."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from audit_prep import access
from audit_prep.api.filters import MAX_ID
from audit_prep.page_forms import refusals
from audit_prep.roles import Action
from evidence.models import EvidenceItem

from ..evidence_pages import item_or_404, links_context
from ..models import Adoption, Requirement
from . import matching, services
from .blocks import BLOCK, context, requirement_name


def _next(request, item: EvidenceItem) -> str:
    """Where a form sent without JavaScript comes back: the page it names on this site (the
    checklist's matching page), else the item's suggestions."""
    asked = request.POST.get("next", "")
    if asked and url_has_allowed_host_and_scheme(asked, {request.get_host()},
                                                   request.is_secure()):
        return asked
    return reverse("evidence-page", args=[item.pk]) + "#suggestions"


def _answer(request, item: EvidenceItem, refused: list[str], done: str, said: str):
    """htmx: the block again (and, after a link, the item's links out of band), saying what
    was done; else back to the page, with the message."""
    if request.htmx:
        shown = {"item": item, **context(request, item, refused),
                 "suggestion_said": "" if refused else said}
        if not refused and done == "accepted":  # the links above change too
            shown.update(links_context(request, item), links_out_of_band=True)
        return render(request, BLOCK, shown, status=400 if refused else 200)
    for message in refused:
        messages.error(request, message)
    if not refused:
        messages.success(request, said)
    return redirect(_next(request, item))


@require_POST
@login_required
def accept(request, evidence_id: int, requirement_id: int):
    item = item_or_404(request, evidence_id)
    done = []
    refused = refusals(lambda: done.append(services.accept(request.user, item, requirement_id)))
    said = ""
    if done:
        requirement = done[0].requirement
        said = _("Linked to %(referential)s %(ref)s.") % {
            "referential": requirement.referential.ref_id, "ref": requirement.ref_id}
    return _answer(request, item, refused, "accepted", said)


@require_POST
@login_required
def dismiss(request, evidence_id: int, requirement_id: int):
    item = item_or_404(request, evidence_id)
    refused = refusals(lambda: services.dismiss(request.user, item, requirement_id))
    return _answer(request, item, refused, "dismissed", _(
        "Suggestion dismissed: it will not be proposed again for this evidence item."))


@require_safe
@login_required
def matching_evidence(request, adoption_id: int, requirement_id: int):
    """The structure's existing evidence that might answer a requirement of its checklist."""
    if not max(adoption_id, requirement_id) <= MAX_ID:
        raise Http404
    adoption = access.scope(Adoption.objects.filter(pk=adoption_id), request.user) \
        .select_related("organization", "referential").first()
    if adoption is None:
        raise Http404
    requirement = access.scope(Requirement.objects.filter(
        pk=requirement_id, referential_id=adoption.referential_id), request.user).first()
    if requirement is None:
        raise Http404
    found = matching.for_requirement(request.user, adoption.organization_id, requirement)
    return render(request, "checklists/pages/matching_evidence.html", {
        "adoption": adoption, "organization": adoption.organization,
        "requirement": requirement, "requirement_name": requirement_name(requirement),
        "found": found,
        "may_decide": access.can(request.user, Action.CHANGE, adoption.organization_id)})
