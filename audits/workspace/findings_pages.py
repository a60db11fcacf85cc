"""Findings in the auditor's workspace (decision 0026): the engagement's findings, drafts
included for its auditor, the form that records one, and a finding's page where the auditor
changes the draft, publishes, corrects (a new version), reviews the structure's answer and
closes. The same services and refusals as the settings pages and the API
(`audits.findings`); members of the structure see the published findings as a preview.

Every request goes through `guard.auditor_page` (the choke point); a page shown is logged as
the auditor's `page`, a form posted is recorded by its service's own event."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from audit_prep.page_forms import refusals

from .. import findings
from ..api.finding_views import findings_queryset
from ..finding_models import Finding, FindingStatus
from ..finding_pages import (
    DONE,
    _auditor_step,
    _current,
    _draft_values,
    _form_context,
    audits,
    content_of,
)
from ..models import Engagement
from .guard import auditor_page, shown
from .pages import frame


def _list_page(request, engagement: Engagement, status=200, **context):
    auditing = audits(request.user, engagement)
    listed = findings_queryset().filter(engagement=engagement)
    if not auditing:
        listed = listed.exclude(status=FindingStatus.DRAFT)
    values = context.get("values")
    return render(request, "audits/workspace/findings.html", frame(
        request, engagement, section="findings", auditing=auditing,
        rows=[(finding, _current(finding, auditing)) for finding in listed],
        chosen=values.getlist("requirements") if values is not None else [],
        **(_form_context(engagement) if auditing else {}),
        **{"refusals": [], "values": {}, **context}), status=status)


@auditor_page("page")
def findings_list(request, engagement: Engagement):
    """The engagement's findings; its auditor records a new one (a draft)."""
    if request.method != "POST":
        return _list_page(request, engagement)
    created: list[Finding] = []
    refused = refusals(lambda: created.append(findings.draft_finding(
        request.user, engagement, content_of(request.POST))))
    if refused:
        return _list_page(request, engagement, status=400, refusals=refused,
                          values=request.POST)
    messages.success(request, _("The finding is recorded as a draft."))
    return redirect("audit-finding-page", engagement.pk, created[0].pk)


def _finding_of(request, engagement: Engagement, finding_id: int) -> Finding:
    finding = findings_queryset().filter(engagement=engagement, pk=finding_id).first()
    if finding is None or (finding.status == FindingStatus.DRAFT
                           and not audits(request.user, engagement)):
        raise Http404  # a draft is its auditor's own
    return finding


def _finding_page(request, engagement: Engagement, finding: Finding, status=200, **context):
    auditing = audits(request.user, engagement)
    versions = [v for v in finding.versions.all() if auditing or v.published_at is not None]
    return render(request, "audits/workspace/finding.html", frame(
        request, engagement, section="findings", finding=finding, auditing=auditing,
        in_workspace=True, published=[v for v in versions if v.published_at is not None],
        draft=next((v for v in versions if v.published_at is None), None),
        draft_values=_draft_values(versions[-1]) if versions else {},
        chosen_requirements=[str(r.pk) for r in (versions[-1].requirements.all()
                                                 if versions else [])],
        **(_form_context(engagement) if auditing else {}),
        **{"refusals": [], **context}), status=status)


AUDITOR_FORMS = ("draft", "publish", "correct", "review", "close")


@auditor_page("page")
def finding_page(request, engagement: Engagement, finding_id: int):
    """One finding: its published versions with their hash; the auditor's forms."""
    finding = _finding_of(request, engagement, finding_id)
    if request.method != "POST":
        shown(request, finding)
        return _finding_page(request, engagement, finding)
    form = request.POST.get("form", "")
    if form not in AUDITOR_FORMS:
        return _finding_page(request, engagement, finding, status=400,
                             refusals=[_("Unknown form.")])
    refused = refusals(lambda: _auditor_step(request, finding, form))
    if refused:
        return _finding_page(request, engagement, findings_queryset().get(pk=finding.pk),
                             status=400, refusals=refused)
    messages.success(request, DONE[form])
    return redirect("audit-finding-page", engagement.pk, finding.pk)


