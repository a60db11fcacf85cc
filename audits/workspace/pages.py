"""The auditor's workspace (decision 0028): the engagements an auditor can open today
(`/audit/`), an engagement's home and its checklist on the audit date. Every page goes through
`guard.auditor_page` (the choke point, then the audit trail); members of the structure see the
same pages, as a preview of what the auditor sees, unlogged."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from audit_prep import access
from audit_prep.roles import Action
from checklists.pages import EVIDENCE_SHOWN, checklist_rows
from checklists.services.checklist import ORDERS

from ..auditor_evidence import audit_date, auditor_evidence
from ..auditors import access_of
from ..models import AuditorAccess, Engagement
from . import checklist
from .guard import auditor_page, is_auditor_of, shown

WORKSPACE_PATH = "/audit/"


def open_engagements(user) -> list[Engagement]:
    """The engagements `user` may open today as their auditor, whichever structure (the
    choke point decides for each; one query for the accesses, one per structure for a
    membership)."""
    accesses = list(AuditorAccess.objects.filter(user=user)
                    .select_related("engagement__organization")
                    .order_by("engagement__start_date", "engagement_id"))
    for found in accesses:  # the rule reads each access from here, not once more each
        access.memoised(user, ("auditor_access", found.engagement_id), _constant(found))
    return [found.engagement for found in accesses
            if Action.VIEW in access.engagement_actions(user, found.engagement)]


def _constant(value):
    return lambda: value


def workspace_landing(user) -> str | None:
    """Where the home sends someone who is a member of no structure: their audits, when they
    hold an auditor access."""
    return WORKSPACE_PATH if AuditorAccess.objects.filter(user=user).exists() else None


@require_safe
@login_required
def workspace_home(request):
    """My audits: each engagement apart (structure, kind, dates)."""
    engagements = open_engagements(request.user)
    return render(request, "audits/workspace/home.html", {
        "engagements": engagements, "workspace_only": not access.organization_ids(
            request.user, Action.VIEW)})


def frame(request, engagement: Engagement, **context) -> dict:
    """What every workspace page shows around its content (`audits/workspace/base.html`)."""
    auditor = is_auditor_of(request.user, engagement)
    return {"engagement": engagement, "organization": engagement.organization,
            "audit_date": audit_date(engagement), "as_auditor": auditor,
            "workspace_only": auditor and not access.organization_ids(request.user,
                                                                      Action.VIEW),
            "workspace_section": context.pop("section", "home"), **context}


@require_safe
@auditor_page("page")
def engagement_home(request, engagement: Engagement):
    """The engagement: its facts, the auditor's access window, where to go."""
    auditor_access = (access_of(request.user, engagement.pk)
                      if is_auditor_of(request.user, engagement) else None)
    return render(request, "audits/workspace/engagement.html", frame(
        request, engagement, referentials=list(engagement.referentials.order_by("ref_id")),
        auditor_access=auditor_access, today=timezone.localdate(),
        evidence_count=auditor_evidence(engagement).count()))


def _adoption_asked(request, adoptions):
    value = request.GET.get("referential", "")
    for adoption in adoptions:
        if str(adoption.referential_id) == value:
            return adoption
    return adoptions[0] if adoptions else None


@require_safe
@auditor_page("page")
def engagement_checklist(request, engagement: Engagement):
    """One referential's checklist on the audit date, filtered by status and chapter; missing
    evidence stands out (word, icon, and a count linking to those rows). htmx requests get the
    rows only."""
    adoptions = checklist.adoptions_of(engagement)
    adoption = _adoption_asked(request, adoptions)
    if adoption is None:
        raise Http404
    order = request.GET.get("order", "clause")
    order = order if order in ORDERS else "clause"
    data = checklist.build(engagement, adoption, order, evidence_limit=EVIDENCE_SHOWN)
    evidence = reverse("audit-evidence", args=[engagement.pk])
    rows = checklist_rows(request, data, lambda pk: f"{evidence}{pk}/", evidence)
    shown(request, engagement, referential=adoption.referential_id)
    template = ("checklists/pages/checklist_results.html" if request.htmx
                else "audits/workspace/checklist.html")
    return render(request, template, frame(
        request, engagement, section="checklist", adoption=adoption, adoptions=adoptions,
        order=order, missing=data["counts"].get("missing", 0), **rows))
