"""A structure's own requirements, in its settings (`/structures/<id>/settings/requirements/`):
listed for its members; quality managers add one (to the structure's own list, or under a node
of a template it follows), change one, withdraw one, and import a CSV or XLSX list with a report
of each row. The same serializers, services and refusals as the API's `requirements/` and
`requirements/import/`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audit_prep import access
from audit_prep.i18n import active_language
from audit_prep.models import Organization
from audit_prep.page_forms import announce_import, error_messages, import_refusals, refusals
from audit_prep.roles import Action
from audit_prep.structure_settings import frame, structure
from populations.models import PopulationKind

from . import requirement_lists
from .api.serializers import OwnRequirementSerializer, RequirementListImportSerializer
from .models import Adoption, Referential, Requirement
from .services import own_requirements

PER_PAGE = 50
TEXT_FIELDS = ("ref_id", "name_fr", "name_en", "description", "per_member", "parent",
               "renewal_months", "referential")
REPORT_COLUMNS = [gettext_lazy("Reference"), gettext_lazy("Name")]


def own_of(organization: Organization):
    """The structure's own requirements in force: its own list's and those it added under
    templates' nodes."""
    return (Requirement.objects.filter(Q(referential__organization=organization)
                                       | Q(organization=organization), retired_at__isnull=True)
            .select_related("referential", "parent"))


def templates_of(organization: Organization) -> list[Referential]:
    """The templates (CEDRE, CAP...) the structure follows, which it may complete."""
    return list(Referential.objects.filter(
        organization__isnull=True, is_template=True,
        pk__in=Adoption.objects.filter(organization=organization).values("referential_id"))
        .order_by("ref_id"))


def _requirements_page(request, organization: Organization, status: int = 200, **context):
    rows = access.scope(own_of(organization), request.user).order_by(
        "referential__organization_id", "referential_id", "order", "pk")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    language = active_language()
    for requirement in page.object_list:
        requirement.name = getattr(requirement, f"name_{language}") or requirement.name_fr
        requirement.place = (None if requirement.organization_id is None
                             else getattr(requirement.referential, f"name_{language}"))
    return render(request, "checklists/pages/settings_requirements.html", frame(
        organization, "requirements", request.user, Action.MANAGE_REFERENTIALS, page=page,
        templates=[(t.pk, getattr(t, f"name_{language}")) for t in templates_of(organization)],
        kinds=PopulationKind.choices, values=context.pop("values", {}),
        field_errors=context.pop("field_errors", {}), refusals=context.pop("refusals", []),
        **context), status=status)


@login_required
def requirements(request, organization_id: int):
    """The list; a POST adds one requirement (or changes the one of the same reference)."""
    if request.method != "POST":
        return _requirements_page(request, structure(request.user, organization_id))
    organization = structure(request.user, organization_id, Action.MANAGE_REFERENTIALS)
    data = _form_data(request, organization)
    field_errors, refused = _save(request, data)
    if field_errors or refused:
        return _requirements_page(request, organization, 400, values=request.POST,
                                  field_errors=field_errors, refusals=refused)
    messages.success(request, _("Requirement %(ref)s saved.") % {"ref": data["ref_id"]})
    return redirect("structure-settings-requirements", organization.pk)


def _form_data(request, organization: Organization, requirement: Requirement | None = None):
    """The body `OwnRequirementSerializer` validates, from the form; an edited requirement
    keeps its reference and its place."""
    post = request.POST
    data: dict = {"organization": organization.pk,
                  "documented_information": post.getlist("documented_information")}
    for name in TEXT_FIELDS:
        if post.get(name, "") != "" or name in ("name_en", "description", "parent",
                                                "per_member"):
            data[name] = post.get(name, "")
    if requirement is not None:
        data["ref_id"] = requirement.ref_id
        data.pop("referential", None)
        if requirement.organization_id is not None:  # added under a template's node
            data["referential"] = requirement.referential_id
    return data


def _save(request, data: dict) -> tuple[dict, list[str]]:
    """(the form's field errors, the service's refusals): both empty when saved."""
    serializer = OwnRequirementSerializer(data=data, context={"request": request})
    if not serializer.is_valid():
        return {field: error_messages(errors) for field, errors in serializer.errors.items()}, []
    return {}, refusals(lambda: own_requirements.add_validated(request.user,
                                                               serializer.validated_data))


def _requirement(request, organization: Organization, requirement_id: int) -> Requirement:
    return get_object_or_404(access.scope(own_of(organization), request.user), pk=requirement_id)


@login_required
def requirement_edit(request, organization_id: int, requirement_id: int):
    """One of the structure's requirements, to change (its reference and place stay)."""
    action = Action.MANAGE_REFERENTIALS if request.method == "POST" else Action.VIEW
    organization = structure(request.user, organization_id, action)
    requirement = _requirement(request, organization, requirement_id)
    field_errors: dict[str, list[str]] = {}
    refused: list[str] = []
    if request.method == "POST":
        field_errors, refused = _save(request, _form_data(request, organization, requirement))
        if not field_errors and not refused:
            messages.success(request, _("Requirement %(ref)s saved.") % {"ref": requirement.ref_id})
            return redirect("structure-settings-requirements", organization.pk)
    values = request.POST if request.method == "POST" else {
        "name_fr": requirement.name_fr, "name_en": requirement.name_en,
        "description": requirement.description_fr, "per_member": requirement.per_member,
        "renewal_months": requirement.renewal_months or "",
        "parent": requirement.parent.ref_id if requirement.parent else ""}
    return render(request, "checklists/pages/settings_requirement_edit.html", frame(
        organization, "requirements", request.user, Action.MANAGE_REFERENTIALS,
        requirement=requirement, kinds=PopulationKind.choices, values=values,
        documented=(request.POST.getlist("documented_information") if request.method == "POST"
                    else requirement.documented_information),
        field_errors=field_errors, refusals=refused),
        status=400 if field_errors or refused else 200)


@login_required
@require_POST
def requirement_retire(request, organization_id: int, requirement_id: int):
    """Withdraw one of the structure's requirements (the API's DELETE)."""
    organization = structure(request.user, organization_id, Action.MANAGE_REFERENTIALS)
    requirement = _requirement(request, organization, requirement_id)
    refused = refusals(lambda: own_requirements.retire_requirement(request.user, requirement))
    if refused:
        return _requirements_page(request, organization, 400, refusals=refused)
    messages.success(request, _("Requirement %(ref)s withdrawn: it left the checklists; its "
                                "evidence links are kept.") % {"ref": requirement.ref_id})
    return redirect("structure-settings-requirements", organization.pk)


@login_required
@require_POST
def requirement_import(request, organization_id: int):
    """Import a CSV or XLSX list: every row checked first (nothing imported when one is
    refused, each problem reported with its line), then each row created, updated or left
    unchanged."""
    organization = structure(request.user, organization_id, Action.MANAGE_REFERENTIALS)
    data: dict = {"organization": organization.pk}
    if "file" in request.FILES:
        data["file"] = request.FILES["file"]
    if request.POST.get("referential"):
        data["referential"] = request.POST["referential"]
    serializer = RequirementListImportSerializer(data=data, context={"request": request})
    if not serializer.is_valid():
        return _requirements_page(request, organization, 400,
                                  refusals=error_messages(serializer.errors))
    report: list[dict] = []
    refused, problems = import_refusals(
        lambda: requirement_lists.read_upload(serializer.validated_data["file"]),
        lambda rows: report.extend(own_requirements.import_report(
            request.user, organization, rows, serializer.validated_data.get("referential"))))
    rows = [{"line": row["line"], "cells": [row["ref_id"], row["name"]], "result": row["result"]}
            for row in report]
    if not refused:
        announce_import(request, rows)
    return _requirements_page(request, organization, 400 if refused else 200, refusals=refused,
                              problems=problems, report_columns=REPORT_COLUMNS, report=rows)
