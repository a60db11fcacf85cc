"""The structure's pages of evidence requests, in the audit's settings
(`/structures/<id>/settings/audits/<engagement>/requests/`): the board (requests grouped by
internal status, with assignee and due date, overdue ones said in words and marked), the form
that asks (quality managers) and the import of a CSV or XLSX list. One request's page is
`request_pages`. The same serializers, services and refusals as the API's
`evidence-requests/`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from audit_prep.page_forms import error_messages, field_errors, filled, import_refusals, refusals
from audit_prep.roles import Action
from audit_prep.structure_settings import frame, structure

from ..models import Engagement
from . import imports, services
from .api.serializers import EvidenceRequestSerializer, RequestImportSerializer, is_overdue
from .api.views import EvidenceRequestFilter, request_queryset
from .models import RequestStatus

SECTION, MANAGE = "audits", Action.MANAGE_AUDITS
FIELDS = ("asked", "due_date", "assignee")


def engagement_of(request, organization_id: int, engagement_id: int, action=Action.VIEW):
    """The structure and its audit the URL names (404 out of scope, 403 for the role)."""
    organization = structure(request.user, organization_id, action)
    engagement = Engagement.objects.filter(pk=engagement_id, organization=organization).first()
    if engagement is None:
        raise Http404
    return organization, engagement


def form_choices(engagement: Engagement) -> dict:
    """What the forms offer: the audit's requirements and the members who may answer."""
    return {"requirements": list(services.engagement_requirements(engagement)
                                 .select_related("referential")
                                 .order_by("referential__ref_id", "order")),
            "assignees": [membership.user for membership in services.assignable(engagement)
                          .select_related("user").order_by("user__username")]}


def _grouped(requests, today) -> list[dict]:
    groups = []
    for value, label in RequestStatus.choices:
        rows = [item for item in requests if item.status == value]
        for item in rows:
            item.overdue = is_overdue(item, today)
        groups.append({"status": value, "label": label, "requests": rows})
    return groups


def _board(request, organization, engagement, status=200, **context):
    today = timezone.localdate()
    found = EvidenceRequestFilter(request.GET, queryset=request_queryset().filter(
        engagement=engagement))
    requests = list(found.qs) if found.is_valid() else []
    return render(request, "audits/requests/board.html", frame(
        organization, SECTION, request.user, MANAGE, engagement=engagement,
        groups=_grouped(requests, today), count=len(requests),
        overdue=sum(1 for item in requests if item.overdue), filters=request.GET,
        statuses=RequestStatus.choices, **form_choices(engagement),
        chosen=context["values"].getlist("requirements") if context.get("values") else [],
        **{"refusals": [], "field_errors": {}, "values": {}, **context}), status=status)


def _ask(request, organization, engagement):
    data = {"engagement": engagement.pk, **filled(request.POST, FIELDS),
            "requirements": request.POST.getlist("requirements")}
    form = EvidenceRequestSerializer(data=data, context={"request": request})
    if not form.is_valid():
        return _board(request, organization, engagement, 400, values=request.POST,
                      field_errors=field_errors(form))
    validated = dict(form.validated_data)
    validated.pop("engagement")
    created = []
    refused = refusals(lambda: created.append(services.create_request(
        request.user, engagement, validated)))
    if refused:
        return _board(request, organization, engagement, 400, values=request.POST,
                      refusals=refused)
    messages.success(request, _("Request %(reference)s recorded.")
                     % {"reference": created[0].reference})
    return redirect("structure-settings-requests", organization.pk, engagement.pk)


@login_required
def board(request, organization_id: int, engagement_id: int):
    """The audit's requests by internal status; quality managers ask for one more."""
    if request.method != "POST":
        return _board(request, *engagement_of(request, organization_id, engagement_id))
    return _ask(request, *engagement_of(request, organization_id, engagement_id, MANAGE))


@login_required
@require_POST
def import_requests(request, organization_id: int, engagement_id: int):
    """Import the audit's requests from a CSV or XLSX file: every row checked first, each
    problem reported with its line, nothing imported when one is refused."""
    organization, engagement = engagement_of(request, organization_id, engagement_id, MANAGE)
    data = {"engagement": engagement.pk}
    if "file" in request.FILES:
        data["file"] = request.FILES["file"]
    form = RequestImportSerializer(data=data, context={"request": request})
    if not form.is_valid():
        return _board(request, organization, engagement, 400,
                      refusals=error_messages(form.errors))
    created: list = []
    refused, problems = import_refusals(
        lambda: imports.read_upload(form.validated_data["file"], engagement),
        lambda rows: created.extend(imports.import_requests(request.user, engagement, rows)))
    if refused:
        return _board(request, organization, engagement, 400, refusals=refused,
                      problems=problems)
    messages.success(request, ngettext("%(count)d request imported.",
                                       "%(count)d requests imported.", len(created))
                     % {"count": len(created)})
    return redirect("structure-settings-requests", organization.pk, engagement.pk)
