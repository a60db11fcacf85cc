"""Findings in a structure's settings: the findings of one audit and one finding's page. Every
member reads the published findings; quality managers answer (correction, root cause, evidence
of effectiveness), plan corrective actions, record them done and submit the answer; whoever
audits the engagement (`Action.AUDIT`: the quality managers of an internal or cross audit)
also drafts, publishes, corrects, reviews and closes here. The same services and refusals as
the API's `findings/`, `corrective-actions/` and `audit/engagements/<id>/findings/`."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit_prep import access
from audit_prep.models import Membership
from audit_prep.page_forms import field_errors, refusals
from audit_prep.roles import Action
from audit_prep.structure_settings import frame, structure
from evidence.models import EvidenceItem

from . import answers, findings
from .api.finding_serializers import ActionSerializer
from .api.finding_views import findings_queryset
from .finding_models import CorrectiveAction, Finding, FindingStatus
from .models import Engagement
from .requests.services import engagement_requirements
from .scales import scale_for

SECTION, MANAGE = "audits", Action.MANAGE_AUDITS
_REFERENCE = re.compile(r"\d+")


def audits(user, engagement: Engagement) -> bool:
    """Whether `user` writes findings on this engagement as its auditor."""
    return Action.AUDIT in access.engagement_actions(user, engagement)


def content_of(post) -> dict:
    """A finding's content as a form posts it (an empty field is not given)."""
    data: dict = {}
    if post.get("grade"):
        data["grade"] = post["grade"]
    if "text" in post:
        data["text"] = post["text"]
    if "requirements" in post or post.get("form") == "draft":
        data["requirements"] = [int(v) for v in post.getlist("requirements") if v.isdigit()]
    if post.get("evidence", "").strip():
        data["evidence"] = [int(number) for number in _REFERENCE.findall(post["evidence"])]
    return data


def _form_context(engagement: Engagement) -> dict:
    """What the finding forms offer: the grades of the audit's scale and its requirements."""
    return {"grades": list(scale_for(engagement).grades.all()),
            "requirements": list(engagement_requirements(engagement).filter(assessable=True)
                                 .select_related("referential")
                                 .order_by("referential_id", "order"))}


def _current(finding: Finding, auditing: bool):
    """The version a list shows: the draft for its auditor, else the latest published."""
    shown = [v for v in finding.versions.all() if auditing or v.published_at is not None]
    return shown[-1] if shown else None


def _findings_page(request, organization, engagement, status=200, **context):
    auditing = audits(request.user, engagement)
    listed = findings_queryset().filter(engagement=engagement)
    if not auditing:
        listed = listed.exclude(status=FindingStatus.DRAFT)
    rows = [(finding, _current(finding, auditing)) for finding in listed]
    return render(request, "audits/pages/findings.html", frame(
        organization, SECTION, request.user, MANAGE, engagement=engagement, rows=rows,
        auditing=auditing, **(_form_context(engagement) if auditing else {}),
        chosen=context["values"].getlist("requirements") if "values" in context else [],
        **{"refusals": [], "values": {}, **context}), status=status)


@login_required
def engagement_findings(request, organization_id: int, engagement_id: int):
    """The findings of one audit; whoever audits it records a new one (a draft)."""
    organization = structure(request.user, organization_id)
    engagement = (Engagement.objects.filter(pk=engagement_id, organization=organization)
                  .prefetch_related("referentials").first())
    if engagement is None:
        raise Http404
    if request.method != "POST":
        return _findings_page(request, organization, engagement)
    created: list[Finding] = []
    refused = refusals(lambda: created.append(findings.draft_finding(
        request.user, engagement, content_of(request.POST))))
    if refused:
        return _findings_page(request, organization, engagement, status=400,
                              refusals=refused, values=request.POST)
    messages.success(request, _("The finding is recorded as a draft."))
    return redirect("structure-settings-finding", organization.pk, created[0].pk)


def _finding(request, organization_id: int, finding_id: int):
    organization = structure(request.user, organization_id)
    finding = (Finding.objects.filter(pk=finding_id, engagement__organization=organization)
               .select_related("engagement").first())
    if finding is None or (finding.status == FindingStatus.DRAFT
                           and not audits(request.user, finding.engagement)):
        raise Http404  # a draft is its auditor's own
    return organization, finding


def _draft_values(version) -> dict:
    """A version's content as its form shows it."""
    return {"grade": str(version.grade_id), "text": version.text,
            "evidence": ", ".join(item.reference for item in version.evidence.all())}


def _finding_page(request, organization, finding, status=200, **context):
    finding = findings_queryset().get(pk=finding.pk)
    auditing = audits(request.user, finding.engagement)
    versions = [v for v in finding.versions.all() if auditing or v.published_at is not None]
    requirement_ids = {r.pk for v in versions for r in v.requirements.all()}
    return render(request, "audits/pages/finding.html", frame(
        organization, SECTION, request.user, MANAGE, finding=finding, versions=versions,
        draft=next((v for v in versions if v.published_at is None), None),
        published=[v for v in versions if v.published_at is not None], auditing=auditing,
        members=Membership.objects.filter(organization=organization).select_related("user")
        .order_by("user__username"),
        linked=EvidenceItem.objects.filter(
            organization=organization, requirement_links__requirement__in=requirement_ids)
        .distinct().order_by("title")[:200],
        chosen={e.pk for e in finding.effectiveness.all()}, today=timezone.localdate(),
        answerable=finding.status in answers.ANSWERABLE,
        **(_form_context(finding.engagement) if auditing else {}),
        chosen_requirements=[str(r.pk) for r in (versions[-1].requirements.all()
                                                 if versions else [])],
        draft_values=_draft_values(versions[-1]) if versions else {},
        **{"refusals": [], "action_errors": {}, "values": {}, **context}), status=status)


def _add_action(request, finding):
    form = ActionSerializer(data={"finding": finding.pk, **{
        name: request.POST.get(name, "") for name in ("description", "owner", "due_date")}},
        context={"request": request})
    if not form.is_valid():
        return field_errors(form)
    data = dict(form.validated_data)
    data.pop("finding")
    answers.add_action(request.user, finding, data)
    return None


def _action_done(request, finding):
    action = CorrectiveAction.objects.filter(pk=request.POST.get("action", "0") or 0,
                                             finding=finding).first()
    if action is None:
        raise Http404
    answers.record_done(request.user, action, timezone.localdate())


def _auditor_step(request, finding, form: str):
    """The forms of whoever audits the engagement."""
    post = request.POST
    steps = {
        "draft": lambda: findings.update_draft(request.user, finding, content_of(post)),
        "publish": lambda: findings.publish(request.user, finding),
        "correct": lambda: findings.correct(request.user, finding, content_of(post)),
        "review": lambda: findings.review(request.user, finding, post.get("decision") == "accept",
                                          post.get("comment", "")),
        "close": lambda: findings.close(request.user, finding, post.get("comment", "")),
    }
    steps[form]()


DONE = {"answer": gettext_lazy("The answer is saved."),
        "submit": gettext_lazy("The answer is sent to the auditor."),
        "action": gettext_lazy("The action is added to the plan."),
        "done": gettext_lazy("The action is recorded done."),
        "draft": gettext_lazy("The draft is saved."),
        "publish": gettext_lazy("The finding is published."),
        "correct": gettext_lazy("A correction is started as a new version."),
        "review": gettext_lazy("Your review is recorded."),
        "close": gettext_lazy("The finding is closed.")}


@login_required
def finding_page(request, organization_id: int, finding_id: int):
    """One finding: its versions with their hash, the deadlines, the answer and the plan."""
    organization, finding = _finding(request, organization_id, finding_id)
    if request.method != "POST":
        return _finding_page(request, organization, finding)
    form = request.POST.get("form", "")
    if form not in DONE:
        return _finding_page(request, organization, finding, status=400,
                             refusals=[_("Unknown form.")])
    errors: dict = {}

    def run():
        if form == "answer":
            answers.answer(request.user, finding, {
                "correction": request.POST.get("correction", ""),
                "root_cause": request.POST.get("root_cause", ""),
                "effectiveness": [int(v) for v in request.POST.getlist("effectiveness")
                                  if v.isdigit()]})
        elif form == "submit":
            answers.submit(request.user, finding)
        elif form == "action":
            errors.update(_add_action(request, finding) or {})
        elif form == "done":
            _action_done(request, finding)
        else:
            _auditor_step(request, finding, form)

    refused = refusals(run)
    if refused or errors:
        return _finding_page(request, organization, finding, status=400, refusals=refused,
                             action_errors=errors, values=request.POST)
    messages.success(request, DONE[form])
    return redirect("structure-settings-finding", organization.pk, finding.pk)
