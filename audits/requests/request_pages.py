"""One evidence request's page for the structure: what is asked and by when, its answers (an
evidence item of the structure linked, or new evidence uploaded for it), the steps (answered,
submitted to the auditor) and its two threads, the auditor's and the internal one. Every form
posts to its own address and comes back here (POST/redirect/GET); a refusal is shown on the
page with the API's message, a role that may not is a 403, another structure a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException

from audit_prep import access
from audit_prep.page_forms import field_errors, refusals
from audit_prep.roles import Action
from audit_prep.structure_settings import frame
from evidence.api.serializers import EvidenceSerializer, UploadFieldsSerializer
from evidence.models import EvidenceItem, EvidenceKind, EvidenceStatus

from . import services, threads
from .api.serializers import EvidenceRequestSerializer, is_overdue
from .models import EvidenceRequest, RequestAnswer, RequestMessage, Thread
from .pages import FIELDS, MANAGE, SECTION, engagement_of, form_choices
from .paths import request_path

LINKABLE = 300  # evidence items offered in the link form (the most recently changed first)


def request_of(request, organization_id, engagement_id, request_id, action=Action.VIEW):
    organization, engagement = engagement_of(request, organization_id, engagement_id, action)
    found = (EvidenceRequest.objects.filter(pk=request_id, engagement=engagement)
             .select_related("assignee", "engagement").prefetch_related(
                 "requirements", Prefetch("answers", queryset=RequestAnswer.objects
                                          .select_related("evidence", "added_by")),
                 Prefetch("messages", queryset=RequestMessage.objects.select_related("author")))
             .first())
    if found is None:
        raise Http404
    return organization, engagement, found


def _page(request, organization, engagement, evidence_request, status=200, **context):
    user = request.user
    actions = access.engagement_actions(user, engagement)
    answered = {answer.evidence_id for answer in evidence_request.answers.all()}
    linkable = [item for item in access.scope(EvidenceItem.objects.filter(
        organization=organization).exclude(status=EvidenceStatus.ARCHIVED), user)
        .order_by("-updated_at", "-id")[:LINKABLE] if item.pk not in answered] \
        if Action.CHANGE in actions else []
    evidence_request.overdue = is_overdue(evidence_request, timezone.localdate())
    messages_of = {thread: [m for m in evidence_request.messages.all() if m.thread == thread]
                   for thread in Thread.values}
    values = {"asked": evidence_request.asked, "due_date": evidence_request.due_date.isoformat(),
              "assignee": str(evidence_request.assignee_id or "")}
    chosen = [str(requirement.pk) for requirement in evidence_request.requirements.all()]
    if context.get("values"):
        values = context.pop("values")
        chosen = values.getlist("requirements")
    return render(request, "audits/requests/request.html", frame(
        organization, SECTION, user, MANAGE, engagement=engagement, item=evidence_request,
        may_answer=Action.CHANGE in actions, may_speak=Action.MANAGE_AUDITS in actions,
        linkable=linkable, kinds=EvidenceKind.choices, auditor_thread=messages_of["auditor"],
        internal_thread=messages_of["internal"], today=timezone.localdate(),
        **form_choices(engagement) if Action.MANAGE_AUDITS in actions else {},
        values=values, chosen=chosen, **{"refusals": [], "field_errors": {}, **context}),
        status=status)


def _back(organization, engagement, evidence_request, anchor=""):
    return redirect(request_path(organization.pk, engagement.pk, evidence_request.pk) + anchor)


def _act(request, ids: tuple[int, int, int], call, done: str, anchor="",
         action=Action.VIEW):
    """Run one service call on the request the URL names; its refusal shown on the page."""
    organization, engagement, found = request_of(request, *ids, action=action)
    refused = refusals(lambda: call(found))
    if refused:
        return _page(request, organization, engagement, found, 400, refusals=refused)
    messages.success(request, done)
    return _back(organization, engagement, found, anchor)


@login_required
def request_page(request, organization_id: int, engagement_id: int, request_id: int):
    """One request; quality managers change what is asked, by when and by whom."""
    ids = (organization_id, engagement_id, request_id)
    if request.method != "POST":
        return _page(request, *request_of(request, *ids))
    organization, engagement, found = request_of(request, *ids, action=MANAGE)
    data = {name: request.POST.get(name, "") for name in FIELDS}
    data["assignee"] = data["assignee"] or None
    if "requirements" in request.POST:
        data["requirements"] = request.POST.getlist("requirements")
    form = EvidenceRequestSerializer(found, data=data, partial=True,
                                     context={"request": request})
    if not form.is_valid():
        return _page(request, organization, engagement, found, 400, values=request.POST,
                     field_errors=field_errors(form))
    refused = refusals(lambda: services.update_request(request.user, found,
                                                       dict(form.validated_data)))
    if refused:
        return _page(request, organization, engagement, found, 400, values=request.POST,
                     refusals=refused)
    messages.success(request, _("The request is saved."))
    return _back(organization, engagement, found)


def _evidence(request, found) -> EvidenceItem:
    item = access.scope(EvidenceItem.objects.filter(pk=request.POST.get("evidence") or 0,
                                                    organization_id=found.engagement
                                                    .organization_id), request.user).first() \
        if (request.POST.get("evidence") or "").isdigit() else None
    if item is None:
        raise Http404
    return item


@login_required
@require_POST
def link_answer(request, organization_id: int, engagement_id: int, request_id: int):
    """Answer with an evidence item of the structure."""
    return _act(request, (organization_id, engagement_id, request_id),
                lambda found: services.add_answer(request.user, found, _evidence(request, found)),
                _("The evidence answers the request; it is shown to the auditor once a quality "
                  "manager submits it."), "#answers")


@login_required
@require_POST
def remove_answer(request, organization_id: int, engagement_id: int, request_id: int,
                  answer_id: int):
    def call(found):
        answer = found.answers.filter(pk=answer_id).first()
        if answer is None:
            raise Http404
        services.remove_answer(request.user, answer)

    return _act(request, (organization_id, engagement_id, request_id), call,
                _("The answer is withdrawn."), "#answers")


class _Invalid(APIException):
    """The upload form's fields refused by the API's serializers."""

    status_code = 400
    default_code = "validation_error"


def _upload(request, found) -> None:
    """The item's fields as the API's serializers check them, then the upload service."""
    data = QueryDict(mutable=True)
    for key in ("title", "kind", "effective_date", "description"):
        data[key] = request.POST.get(key, "")
    data["organization"] = str(found.engagement.organization_id)
    item = EvidenceSerializer(data=data, context={"request": request})
    upload_fields = UploadFieldsSerializer(data=request.POST)
    if not item.is_valid() or not upload_fields.is_valid():
        raise _Invalid({**item.errors, **upload_fields.errors})
    validated = dict(item.validated_data)
    validated.pop("organization")
    services.answer_with_upload(request.user, found, validated, request.FILES.getlist("files"),
                                note=upload_fields.validated_data["note"])


@login_required
@require_POST
def upload_answer(request, organization_id: int, engagement_id: int, request_id: int):
    """New evidence for this request: created with its files, tagged to the request's
    requirements and given as an answer."""
    return _act(request, (organization_id, engagement_id, request_id),
                lambda found: _upload(request, found),
                _("The evidence is added and answers the request."), "#answers")


@login_required
@require_POST
def mark_answered(request, organization_id: int, engagement_id: int, request_id: int):
    return _act(request, (organization_id, engagement_id, request_id),
                lambda found: services.mark_answered(request.user, found),
                _("The request is answered: a quality manager can submit it."))


@login_required
@require_POST
def submit(request, organization_id: int, engagement_id: int, request_id: int):
    return _act(request, (organization_id, engagement_id, request_id),
                lambda found: services.submit(request.user, found),
                _("The answers are submitted to the auditor."))


@login_required
@require_POST
def post_message(request, organization_id: int, engagement_id: int, request_id: int):
    """A message on one of the threads (`thread` in the form)."""
    thread = request.POST.get("thread", "")
    return _act(request, (organization_id, engagement_id, request_id),
                lambda found: threads.post_message(request.user, found, thread,
                                                   request.POST.get("body", "")),
                _("Message sent."), f"#thread-{thread}" if thread in Thread.values else "")
