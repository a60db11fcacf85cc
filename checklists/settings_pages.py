"""A structure's referentials, in its settings: the ones it follows with their target audit
date and warning window, a referential of the library adopted, and per referential the
requirements declared not applicable with their justification. The same serializers,
services (`tailoring.adopt`, `update_adoption`, `exclude`, `include`) and refusals as the API's
`adoptions/` and `exclusions/`; only what the rules allow is offered for exclusion."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit_prep import access
from audit_prep.models import Organization
from audit_prep.page_forms import field_errors, filled, refusals
from audit_prep.roles import Action
from audit_prep.structure_settings import frame, structure

from .api.serializers import AdoptionSerializer, ExclusionSerializer
from .models import Adoption, Exclusion, Referential, Requirement, TagSuggestion
from .services import tailoring
from .suggestions import stats as suggestion_stats

SECTION, MANAGE = "referentials", Action.MANAGE_REFERENTIALS


def _language() -> str:
    return "en" if get_language() == "en" else "fr"


def _referentials_page(request, organization: Organization, **context):
    adoptions = list(Adoption.objects.filter(organization=organization)
                     .select_related("referential").order_by("referential__ref_id"))
    excluded = {row["requirement__referential_id"]: row["count"] for row in
                Exclusion.objects.filter(organization=organization)
                .values("requirement__referential_id").annotate(count=Count("pk"))}
    rows = [(adoption, excluded.get(adoption.referential_id, 0)) for adoption in adoptions]
    offered = (access.scope(Referential.objects.all(), request.user)
               .exclude(pk__in=[adoption.referential_id for adoption in adoptions])
               .order_by("ref_id", "version"))
    failed = bool(context.get("refusals") or context.get("field_errors"))
    suggested = (suggestion_stats.acceptance(TagSuggestion.objects.filter(
        evidence__organization=organization))["overall"]
        if access.can(request.user, MANAGE, organization.pk) else None)
    return render(request, "checklists/pages/settings_referentials.html", frame(
        organization, SECTION, request.user, MANAGE, adoptions=rows, offered=offered,
        language=_language(), suggested=suggested,
        **{"refusals": [], "field_errors": {}, "values": {}, **context}),
        status=400 if failed else 200)


@login_required
def referentials(request, organization_id: int):
    """The referentials the structure follows; quality managers adopt another one."""
    if request.method != "POST":
        return _referentials_page(request, structure(request.user, organization_id))
    organization = structure(request.user, organization_id, MANAGE)
    form = AdoptionSerializer(data={"organization": organization.pk, **filled(
        request.POST, ("referential", "target_audit_date", "warning_days"))},
        context={"request": request})
    if not form.is_valid():
        return _referentials_page(request, organization, values=request.POST,
                                  field_errors=field_errors(form))
    data, adopted = form.validated_data, []
    refused = refusals(lambda: adopted.append(tailoring.adopt(
        request.user, organization, data["referential"], data.get("target_audit_date"),
        data.get("warning_days", 30))))
    if refused:
        return _referentials_page(request, organization, values=request.POST, refusals=refused)
    messages.success(request, _("The structure now follows %(referential)s.") % {
        "referential": getattr(data["referential"], f"name_{_language()}")})
    return redirect("structure-settings-adoption", organization.pk, adopted[0].pk)


def _adoption(request, organization_id: int, adoption_id: int, action: Action):
    organization = structure(request.user, organization_id, action)
    adoption = (Adoption.objects.filter(pk=adoption_id, organization=organization)
                .select_related("referential").first())
    if adoption is None:
        raise Http404
    return organization, adoption


def _adoption_page(request, organization, adoption, **context):
    failed = bool(context.get("refusals") or context.get("field_errors"))
    return render(request, "checklists/pages/settings_adoption.html", frame(
        organization, SECTION, request.user, MANAGE, adoption=adoption,
        name=getattr(adoption.referential, f"name_{_language()}"),
        **{"refusals": [], "field_errors": {}, "values": None, **context}),
        status=400 if failed else 200)


@login_required
def adoption_page(request, organization_id: int, adoption_id: int):
    """One referential followed: its target audit date and warning window, changed by
    quality managers (the API's PATCH `adoptions/<id>/`)."""
    action = MANAGE if request.method == "POST" else Action.VIEW
    organization, adoption = _adoption(request, organization_id, adoption_id, action)
    if request.method != "POST":
        return _adoption_page(request, organization, adoption)
    # An empty date clears it (null in the API); an empty window keeps the current one.
    data = {"target_audit_date": request.POST.get("target_audit_date") or None,
            **filled(request.POST, ("warning_days",))}
    form = AdoptionSerializer(adoption, data=data, partial=True, context={"request": request})
    if not form.is_valid():
        return _adoption_page(request, organization, adoption, values=request.POST,
                              field_errors=field_errors(form))
    refused = refusals(lambda: tailoring.update_adoption(request.user, adoption,
                                                         dict(form.validated_data)))
    if refused:
        return _adoption_page(request, organization, adoption, values=request.POST,
                              refusals=refused)
    messages.success(request, _("The settings of %(referential)s were saved.") % {
        "referential": getattr(adoption.referential, f"name_{_language()}")})
    return redirect("structure-settings-adoption", organization.pk, adoption.pk)


def _excludable(request, adoption: Adoption, excluded: set[int]):
    """The requirements of the adopted referential the rules allow to exclude (a library's
    excludable clauses, top ones only; any of the structure's own list), not excluded yet."""
    requirements = access.scope(Requirement.objects.filter(
        referential=adoption.referential, retired_at__isnull=True), request.user)
    if adoption.referential.organization_id is None:
        requirements = requirements.filter(
            ref_id__in=tailoring.allowed_exclusions(adoption.referential_id))
    return requirements.exclude(pk__in=excluded).order_by("order")


def _exclusions_page(request, organization, adoption, **context):
    exclusions = list(Exclusion.objects.filter(
        organization=organization, requirement__referential=adoption.referential)
        .select_related("requirement__referential", "decided_by").order_by("requirement__order"))
    failed = bool(context.get("refusals") or context.get("field_errors"))
    return render(request, "checklists/pages/settings_exclusions.html", frame(
        organization, SECTION, request.user, MANAGE, adoption=adoption,
        exclusions=[(exclusion, tailoring.exclusion_allowed(exclusion.requirement))
                    for exclusion in exclusions],
        excludable=_excludable(request, adoption, {e.requirement_id for e in exclusions}),
        language=_language(), name=getattr(adoption.referential, f"name_{_language()}"),
        **{"refusals": [], "field_errors": {}, "values": {}, "refused_for": None, **context}),
        status=400 if failed else 200)


@login_required
def exclusions(request, organization_id: int, adoption_id: int):
    """The requirements of one referential declared not applicable, with their
    justification; quality managers exclude another one (the API's POST `exclusions/`)."""
    action = MANAGE if request.method == "POST" else Action.VIEW
    organization, adoption = _adoption(request, organization_id, adoption_id, action)
    if request.method != "POST":
        return _exclusions_page(request, organization, adoption)
    # A row's form changes the justification of an exclusion (`exclude` again, as the API's
    # PATCH does); its refusals are shown in that row.
    edited = request.POST.get("edit", "")
    row = {"refused_for": int(edited)} if edited.isdigit() else {}
    form = ExclusionSerializer(data={"organization": organization.pk, **filled(
        request.POST, ("requirement", "justification"))}, context={"request": request})
    if not form.is_valid():
        return _exclusions_page(request, organization, adoption, values=request.POST,
                                field_errors=field_errors(form), **row)
    data = form.validated_data
    refused = refusals(lambda: tailoring.exclude(request.user, organization,
                                                 data["requirement"], data["justification"]))
    if refused:
        return _exclusions_page(request, organization, adoption, values=request.POST,
                                refusals=refused, **row)
    done = (_("The justification of %(ref)s was saved.") if row
            else _("%(ref)s is declared not applicable."))
    messages.success(request, done % {"ref": data["requirement"].ref_id})
    return redirect("structure-settings-exclusions", organization.pk, adoption.pk)


@login_required
@require_POST
def include(request, organization_id: int, exclusion_id: int):
    """Withdraw an exclusion: the requirement applies again (the API's DELETE
    `exclusions/<id>/`); back to the exclusions of its referential."""
    organization = structure(request.user, organization_id, MANAGE)
    exclusion = (Exclusion.objects.filter(pk=exclusion_id, organization=organization)
                 .select_related("requirement").first())
    if exclusion is None:
        raise Http404
    adoption = Adoption.objects.filter(
        organization=organization, referential_id=exclusion.requirement.referential_id).first()
    refused = refusals(lambda: tailoring.include(request.user, exclusion))
    if not refused:
        messages.success(request, _("%(ref)s applies again.")
                         % {"ref": exclusion.requirement.ref_id})
    if adoption is None:  # a referential no longer followed: its exclusions are listed nowhere
        for refusal in refused:
            messages.error(request, refusal)
        return redirect("structure-settings-referentials", organization.pk)
    if refused:
        return _exclusions_page(request, organization, adoption, refusals=refused,
                                refused_for=exclusion.pk)
    return redirect("structure-settings-exclusions", organization.pk, adoption.pk)
