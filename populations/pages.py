"""A structure's populations, in its settings (`/structures/<id>/settings/populations/`): the
populations it keeps (quality managers create one per kind and delete an empty one), the members
of each page by page (contributors and quality managers add, change and remove them, and import
a CSV or XLSX file with a report of each row). The same serializers, services and refusals as
the API's `populations/`, `members/` and `populations/{id}/import/`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audit_prep import access
from audit_prep.models import Organization
from audit_prep.page_forms import (
    announce_import,
    error_messages,
    field_errors,
    import_refusals,
    refusals,
)
from audit_prep.roles import Action
from audit_prep.structure_settings import frame, structure

from .api.serializers import MemberImportSerializer, MemberSerializer, PopulationSerializer
from .member_files import read_upload
from .models import Member, Population, PopulationKind
from .services import members

MEMBERS_PER_PAGE = 50
MEMBER_FIELDS = ("reference", "initials", "entry_date", "exit_date")
REPORT_COLUMNS = [gettext_lazy("Internal reference"), gettext_lazy("Initials")]


def _populations_page(request, organization: Organization, refused=None, status=200):
    populations = list(access.scope(Population.objects.filter(organization=organization),
                                    request.user).annotate(member_count=Count("members"))
                       .order_by("kind"))
    kept = {population.kind for population in populations}
    return render(request, "populations/pages/settings_populations.html", frame(
        organization, "populations", request.user, Action.MANAGE_ORGANIZATION,
        populations=populations, refusals=refused or [],
        free_kinds=[(value, label) for value, label in PopulationKind.choices
                    if value not in kept]), status=status)


@login_required
def populations(request, organization_id: int):
    """The populations; a POST creates one of a kind the structure does not keep yet."""
    if request.method != "POST":
        return _populations_page(request, structure(request.user, organization_id))
    organization = structure(request.user, organization_id, Action.MANAGE_ORGANIZATION)
    form = PopulationSerializer(data={"organization": organization.pk,
                                      "kind": request.POST.get("kind", "")},
                                context={"request": request})
    refused = error_messages(form.errors) if not form.is_valid() else refusals(
        lambda: members.create_population(request.user, organization, form.validated_data["kind"]))
    if refused:
        return _populations_page(request, organization, refused, 400)
    messages.success(request, _("Population created."))
    return redirect("structure-settings-populations", organization.pk)


def _population(request, organization: Organization, population_id: int) -> Population:
    return get_object_or_404(access.scope(Population.objects.filter(organization=organization),
                                          request.user), pk=population_id)


@login_required
@require_POST
def population_delete(request, organization_id: int, population_id: int):
    """Delete an empty population (the API's DELETE)."""
    organization = structure(request.user, organization_id, Action.MANAGE_ORGANIZATION)
    population = _population(request, organization, population_id)
    refused = refusals(lambda: members.delete_population(request.user, population))
    if refused:
        return _populations_page(request, organization, refused, 400)
    messages.success(request, _("Population deleted."))
    return redirect("structure-settings-populations", organization.pk)


def _member_data(request) -> dict:
    """The body `MemberSerializer` validates, from the form (an empty exit date: none)."""
    data: dict = {name: request.POST.get(name, "").strip() for name in MEMBER_FIELDS}
    data["exit_date"] = data["exit_date"] or None
    return data


def _members_page(request, organization: Organization, population: Population, status=200,
                  **context):
    rows = access.scope(Member.objects.filter(population=population), request.user)
    page = Paginator(rows.order_by("reference", "pk"), MEMBERS_PER_PAGE).get_page(
        request.GET.get("page"))
    return render(request, "populations/pages/settings_population.html", frame(
        organization, "populations", request.user, Action.CHANGE, population=population,
        page=page, values=context.pop("values", {}), field_errors=context.pop("field_errors", {}),
        refusals=context.pop("refusals", []), **context), status=status)


@login_required
def population(request, organization_id: int, population_id: int):
    """The members of a population, page by page; a POST adds one."""
    action = Action.CHANGE if request.method == "POST" else Action.VIEW
    organization = structure(request.user, organization_id, action)
    found = _population(request, organization, population_id)
    if request.method != "POST":
        return _members_page(request, organization, found)
    form = MemberSerializer(data={**_member_data(request), "population": found.pk},
                            context={"request": request})
    if not form.is_valid():
        return _members_page(request, organization, found, 400, values=request.POST,
                             field_errors=field_errors(form))
    data = {name: form.validated_data.get(name) for name in MEMBER_FIELDS}
    refused = refusals(lambda: members.create_member(request.user, found, data))
    if refused:
        return _members_page(request, organization, found, 400, values=request.POST,
                             refusals=refused)
    messages.success(request, _("Member %(reference)s added.") % {"reference": data["reference"]})
    return redirect("structure-settings-population", organization.pk, found.pk)


def _member(request, population: Population, member_id: int) -> Member:
    return get_object_or_404(access.scope(Member.objects.filter(population=population),
                                          request.user).select_related("population"),
                             pk=member_id)


@login_required
def member_edit(request, organization_id: int, population_id: int, member_id: int):
    """One member, to change (the API's PUT)."""
    action = Action.CHANGE if request.method == "POST" else Action.VIEW
    organization = structure(request.user, organization_id, action)
    found = _population(request, organization, population_id)
    member = _member(request, found, member_id)
    invalid: dict[str, list[str]] = {}
    refused: list[str] = []
    if request.method == "POST":
        form = MemberSerializer(member, data=_member_data(request), context={"request": request})
        if not form.is_valid():
            invalid = field_errors(form)
        else:
            data = {name: form.validated_data.get(name) for name in MEMBER_FIELDS}
            refused = refusals(lambda: members.update_member(request.user, member, data))
            if not refused:
                messages.success(request, _("Member %(reference)s saved.")
                                 % {"reference": data["reference"]})
                return redirect("structure-settings-population", organization.pk, found.pk)
    values = request.POST if request.method == "POST" else {
        "reference": member.reference, "initials": member.initials,
        "entry_date": member.entry_date.isoformat(),
        "exit_date": member.exit_date.isoformat() if member.exit_date else ""}
    return render(request, "populations/pages/settings_member.html", frame(
        organization, "populations", request.user, Action.CHANGE, population=found,
        member=member, values=values, field_errors=invalid, refusals=refused),
        status=400 if invalid or refused else 200)


@login_required
@require_POST
def member_delete(request, organization_id: int, population_id: int, member_id: int):
    """Remove a member no evidence names (the API's DELETE)."""
    organization = structure(request.user, organization_id, Action.CHANGE)
    found = _population(request, organization, population_id)
    member = _member(request, found, member_id)
    refused = refusals(lambda: members.delete_member(request.user, member))
    if refused:
        return _members_page(request, organization, found, 400, refusals=refused)
    messages.success(request, _("Member %(reference)s removed.")
                     % {"reference": member.reference})
    return redirect("structure-settings-population", organization.pk, found.pk)


@login_required
@require_POST
def population_import(request, organization_id: int, population_id: int):
    """Import members from a CSV or XLSX file: every row checked first (nothing imported when
    one is refused, each problem reported with its line), then each created, updated or left
    unchanged; members the file does not list are kept."""
    organization = structure(request.user, organization_id, Action.CHANGE)
    found = _population(request, organization, population_id)
    form = MemberImportSerializer(data={"file": request.FILES["file"]}
                                  if "file" in request.FILES else {})
    if not form.is_valid():
        return _members_page(request, organization, found, 400,
                             refusals=error_messages(form.errors))
    results: list = []

    def save(rows):
        results.append((rows, members.import_members(request.user, found, rows)))

    refused, problems = import_refusals(lambda: read_upload(form.validated_data["file"]), save)
    report = [] if refused else [
        {"line": row.row, "cells": [row.reference, row.initials],
         "result": result.result_of(row.reference)}
        for rows, result in results for row in rows]
    if not refused:
        announce_import(request, report)
    return _members_page(request, organization, found, 400 if refused else 200,
                         refusals=refused, problems=problems, report=report,
                         report_columns=REPORT_COLUMNS,
                         kept=results[0][1].kept if results else None)
