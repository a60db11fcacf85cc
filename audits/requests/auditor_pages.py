"""The auditor's pages of evidence requests, in the workspace (`/audit/<engagement>/requests/`):
their requests with the status shown to them, asking for a document, one request with the
answers a quality manager submitted (opened through the workspace's evidence pages), the
auditor thread, and the review (accepted, or more needed). Never the internal status, the
assignee, an answer not submitted or the internal thread.

Reads go through the workspace's guard (`auditor_page`: the choke point, then the audit trail);
writes need `Action.AUDIT` on the engagement (`guard.enter`) and are audited by the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from rest_framework.exceptions import NotFound, PermissionDenied

from audit_prep import access
from audit_prep.page_forms import field_errors, filled, refusals
from audit_prep.roles import Action

from ..models import Engagement
from ..workspace import guard
from ..workspace.guard import auditor_page, shown
from ..workspace.pages import frame
from . import services, threads
from .api.serializers import AuditorRequestSerializer, is_overdue
from .models import EvidenceRequest, RequestAnswer, RequestMessage, Thread


def _requests(engagement: Engagement):
    """The engagement's requests with what the auditor may see of them."""
    return (EvidenceRequest.objects.filter(engagement=engagement)
            .prefetch_related("requirements", Prefetch(
                "answers", queryset=RequestAnswer.objects.filter(submitted_at__isnull=False)
                .select_related("evidence")))
            .order_by("due_date", "id"))


def _may_audit(request, engagement: Engagement) -> bool:
    return Action.AUDIT in access.engagement_actions(request.user, engagement)


def _list(request, engagement: Engagement, status=200, **context):
    rows = list(_requests(engagement))
    for item in rows:
        item.overdue = is_overdue(item)
    return render(request, "audits/requests/auditor_list.html", frame(
        request, engagement, section="requests", requests=rows,
        may_audit=_may_audit(request, engagement),
        requirements=list(services.engagement_requirements(engagement)
                          .select_related("referential").order_by("referential__ref_id",
                                                                  "order")),
        **{"refusals": [], "field_errors": {}, "values": {}, "chosen": [], **context}),
        status=status)


@require_safe
@auditor_page("page")
def request_list(request, engagement: Engagement):
    """The engagement's requests as the auditor sees them; the form to ask for one more."""
    return _list(request, engagement)


def _enter(request, engagement_id: int) -> Engagement:
    """The engagement, for a write as its auditor (404 or 403 pages)."""
    try:
        return guard.enter(request.user, engagement_id, Action.AUDIT)
    except NotFound as refusal:
        raise Http404(str(refusal.detail)) from refusal
    except PermissionDenied as refusal:
        raise PageForbidden(str(refusal.detail)) from refusal


@login_required
@require_POST
def request_create(request, engagement_id: int):
    """Ask the structure for a document (the API's POST `audit/engagements/<id>/requests/`)."""
    engagement = _enter(request, engagement_id)
    data = {**filled(request.POST, ("asked", "due_date")),
            "requirements": request.POST.getlist("requirements")}
    form = AuditorRequestSerializer(data=data, context={"request": request,
                                                        "engagement": engagement})
    if not form.is_valid():
        return _list(request, engagement, 400, values=request.POST,
                     chosen=request.POST.getlist("requirements"),
                     field_errors=field_errors(form))
    created: list = []
    refused = refusals(lambda: created.append(services.create_request(
        request.user, engagement, dict(form.validated_data))))
    if refused:
        return _list(request, engagement, 400, values=request.POST, refusals=refused,
                     chosen=request.POST.getlist("requirements"))
    messages.success(request, _("Request %(reference)s sent to the structure.")
                     % {"reference": created[0].reference})
    return redirect("audit-requests", engagement.pk)


def _one(engagement: Engagement, request_id: int) -> EvidenceRequest:
    found = _requests(engagement).filter(pk=request_id).prefetch_related(Prefetch(
        "messages", queryset=RequestMessage.objects.filter(thread=Thread.AUDITOR)
        .select_related("author"))).first()
    if found is None:
        raise Http404
    return found


def _detail(request, engagement: Engagement, found: EvidenceRequest, status=200, **context):
    found.overdue = is_overdue(found)  # type: ignore[attr-defined]
    return render(request, "audits/requests/auditor_request.html", frame(
        request, engagement, section="requests", item=found,
        may_audit=_may_audit(request, engagement),
        **{"refusals": [], **context}), status=status)


@require_safe
@auditor_page("page")
def request_detail(request, engagement: Engagement, request_id: int):
    """One request: what was asked, the submitted answers, the auditor thread."""
    found = _one(engagement, request_id)
    shown(request, found)
    return _detail(request, engagement, found)


def _write(request, engagement_id: int, request_id: int, call, done: str, anchor=""):
    engagement = _enter(request, engagement_id)
    found = _one(engagement, request_id)
    refused = refusals(lambda: call(found))
    if refused:
        return _detail(request, engagement, found, 400, refusals=refused)
    messages.success(request, done)
    return redirect(reverse("audit-request", args=[engagement.pk, found.pk]) + anchor)


@login_required
@require_POST
def request_message(request, engagement_id: int, request_id: int):
    """A message to the structure on the auditor thread."""
    return _write(request, engagement_id, request_id, lambda found: threads.post_message(
        request.user, found, Thread.AUDITOR, request.POST.get("body", "")),
        _("Message sent."), "#thread-auditor")


@login_required
@require_POST
def request_review(request, engagement_id: int, request_id: int):
    """Accept the submitted answers (the request closes) or ask for more."""
    accepted = request.POST.get("decision") == "accept"
    return _write(request, engagement_id, request_id,
                  lambda found: services.review(request.user, found, accepted),
                  _("The answers are accepted.") if accepted
                  else _("The structure is asked for more."))
