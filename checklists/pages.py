"""Web pages over the checklist services: the signed-in home (my structures) and the home of
one structure (readiness per adopted referential). Same services and choke point as the API."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language, gettext, ngettext

from audit_prep import access
from audit_prep.models import Organization
from audit_prep.page_forms import error_messages
from audit_prep.roles import Action
from evidence.references import EVIDENCE_LIST_PATH, evidence_path

from . import structure_page
from .api.serializers import ChecklistQuerySerializer
from .models import Adoption, Requirement
from .readiness import Status
from .services import checklist

# Linked items listed per requirement on the checklist page; the rest are one link away (the
# evidence list filtered on the requirement). The API and exports keep their own limits.
EVIDENCE_SHOWN = 3


def _adoptions():
    return Adoption.objects.select_related("referential").order_by("referential__ref_id")


# Where a signed-in person who is a member of no structure is sent instead (the auditor's
# workspace, registered by `audits.apps`): functions user -> path or None.
HOME_ELSEWHERE: list[Callable[[Any], str | None]] = []


def home(request):
    """Anonymous visitors get the landing page; members see their structures; someone who is
    a member of none goes where a registered function sends them (an auditor, to their
    audits)."""
    if not request.user.is_authenticated:
        return render(request, "audit_prep/pages/landing.html")
    organizations = list(access.scope(Organization.objects.all(), request.user, Action.VIEW)
                         .prefetch_related(Prefetch("adoptions", queryset=_adoptions()))
                         .order_by("name"))
    if not organizations:
        for elsewhere in HOME_ELSEWHERE:
            if (path := elsewhere(request.user)) is not None:
                return redirect(path)
    return render(request, "checklists/pages/home.html", {"organizations": organizations})


@login_required
def structure_home(request, organization_id: int):
    """Readiness of one structure: per adopted referential, the score, a bar per chapter, what
    needs attention, what to do next, the trend and the countdown to the audit, as the workers
    last computed them (`structure_page`)."""
    organization = access.scope(Organization.objects.filter(pk=organization_id), request.user,
                                Action.VIEW).first()
    if organization is None:
        raise Http404
    adoptions = list(_adoptions().select_related("organization")
                     .filter(organization=organization))
    # The settings are the quality managers' (members, referentials, reminders...).
    may_manage = access.can(request.user, Action.MANAGE_ORGANIZATION, organization.pk)
    may_add = all(access.can(request.user, action, organization.pk)
                  for action in (Action.CREATE, Action.UPLOAD))
    return render(request, "checklists/pages/structure.html",
                  {"organization": organization,
                   "summaries": structure_page.summaries(organization.pk, adoptions),
                   "may_manage": may_manage, "may_add": may_add})


def _checklist_filters(request, data: dict) -> tuple[str, str]:
    statuses = {status.value for status in Status}
    chapters = {chapter["ref_id"] for chapter in data["chapters"]}
    status = request.GET.get("status", "")
    chapter = request.GET.get("chapter", "")
    return (status if status in statuses else "", chapter if chapter in chapters else "")


def _describe_evidence(items: list[dict], evidence_href=evidence_path,
                       list_path: str = EVIDENCE_LIST_PATH) -> None:
    """The list of the evidence shown per requirement ("EV-000012 Title (version 2) — valid,
    valid until 1 March 2027", the reference linking to the item's page) and the count of the
    items not shown, written once per page in Python: at 10,000 items, translation tags and
    variables per evidence item in the template cost more than the whole checklist."""
    version, valid_until = gettext("version %(number)s"), gettext("valid until %(date)s")
    see_all = gettext("see them all")
    dates: dict = {}
    for item in items:
        lines = []
        for evidence in item["evidence"]:
            line = evidence["title"]
            if evidence["revision"]:
                line += f" ({version % {'number': evidence['revision']}})"
            line += f" — {evidence['state_label']}"
            if (end := evidence["valid_until"]) is not None:
                if end not in dates:
                    dates[end] = date_format(end, "DATE_FORMAT")
                line += ", " + valid_until % {"date": dates[end]}
            lines.append((evidence_href(evidence["id"]), evidence["reference"], line))
        item["evidence_html"] = format_html_join(
            "", '<li><a class="ref" href="{}">{}</a> {}</li>', lines)
        more = item["evidence_count"]
        item["linked_in_all"] = format_html(
            '{} <a href="{}?requirement={}">{}</a>',
            ngettext("%(more)s linked item in all:", "%(more)s linked items in all:", more)
            % {"more": more}, list_path, item["requirement_id"],
            see_all) if more > len(item["evidence"]) else ""


def checklist_rows(request, data: dict, evidence_href=evidence_path,
                   list_path: str = EVIDENCE_LIST_PATH) -> dict:
    """What the checklist's rows template (`checklist_results.html`) shows of a built
    checklist: the rows the status and chapter filters keep, with their typical evidence and
    their linked items (links made by `evidence_href(id)`, "see them all" to `list_path`). The
    auditor's workspace shows the same rows with its own links."""
    status, chapter = _checklist_filters(request, data)
    items = [item for item in data["items"]
             if (not status or item["status"] == status)
             and (not chapter or item["chapter"] == chapter)]
    language = "en" if get_language() == "en" else "fr"
    typical = dict(Requirement.objects.filter(pk__in=[item["requirement_id"] for item in items])
                   .values_list("pk", f"typical_evidence__{language}"))
    for item in items:
        item["typical_evidence"] = typical.get(item["requirement_id"]) or []
    _describe_evidence(items, evidence_href, list_path)
    return {"data": data, "items": items, "status": status, "chapter": chapter,
            "statuses": list(Status), "query": request.GET.urlencode()}


@login_required
def checklist_page(request, adoption_id: int):
    """One referential's checklist, at today or at a date (the audit date to look ahead),
    filtered by status and chapter; htmx requests get the results only."""
    adoption = access.scope(_adoptions().select_related("organization")
                            .filter(pk=adoption_id), request.user, Action.VIEW).first()
    if adoption is None:
        raise Http404
    # An empty field of the form means "not given", as an absent parameter does in the API.
    query = ChecklistQuerySerializer(data={key: value for key, value in request.GET.items()
                                           if value})
    valid = query.is_valid()
    on = query.validated_data.get("date") if valid else None
    order = query.validated_data.get("order", "clause") if valid else "clause"
    data = checklist.build(adoption, on, order, evidence_limit=EVIDENCE_SHOWN)
    context = {"adoption": adoption, "organization": adoption.organization,
               "date_errors": [] if valid else error_messages(query.errors), "order": order,
               **checklist_rows(request, data),
               "suggest_matching": True}  # existing evidence for a missing requirement
    template = ("checklists/pages/checklist_results.html" if request.htmx
                else "checklists/pages/checklist.html")
    return render(request, template, context)
