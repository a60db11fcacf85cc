"""The gate of a surveillance or renewal audit (issue 13 item 1, decision 0026): the
nonconformities of the previous certification audit must be closed. Registered with the
checklist's gates (`checklists.gates.register`), so the checklist evaluated before that audit,
its exports, the structure's next steps and the audit's page show it like the stage-1 gates."""

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from checklists import gates

from .finding_models import Finding, FindingStatus, FindingVersion, Severity
from .models import CERTIFICATION_KINDS, Engagement
from .services import MAINTAINING_KINDS

CODE = "previous_nonconformities"
LABELS = {CODE: _("Nonconformities of the previous certification audit closed")}
REASONS = {
    "previous_nonconformities_closed": _("Every nonconformity of the previous certification "
                                         "audit is closed"),
    "previous_nonconformities_open": _("Nonconformities of the previous certification audit "
                                       "still open: %(findings)s"),
}


def open_nonconformities(engagement: Engagement) -> list[Finding]:
    """The published findings of `engagement` whose current grade is a nonconformity and that
    are not closed, in order."""
    severity = (FindingVersion.objects.filter(finding=OuterRef("pk"), published_at__isnull=False)
                .order_by("-number").values("grade__severity")[:1])
    return list(Finding.objects.filter(engagement=engagement)
                .exclude(status__in=(FindingStatus.DRAFT, FindingStatus.CLOSED))
                .annotate(severity=Subquery(severity)).exclude(severity=Severity.NONE)
                .order_by("number"))


def previous_audit(engagement: Engagement) -> Engagement | None:
    """The certification audit of the same referentials that ended last before it began."""
    return (Engagement.objects.filter(organization_id=engagement.organization_id,
                                      kind__in=CERTIFICATION_KINDS,
                                      referentials__in=engagement.referentials.all(),
                                      end_date__lt=engagement.start_date)
            .order_by("-end_date", "-id").first())


def gate_for(engagement: Engagement) -> gates.Gate | None:
    """The gate of a surveillance or renewal audit; None for other audits or when no earlier
    certification audit is recorded."""
    if engagement.kind not in MAINTAINING_KINDS:
        return None
    previous = previous_audit(engagement)
    if previous is None:
        return None
    still_open = open_nonconformities(previous)
    # Words of no language only: the structure's home stores the params of failing gates.
    params = {"previous_engagement": previous.pk,
              "open_findings": [finding.number for finding in still_open],
              "findings": ", ".join(f"#{finding.number}" for finding in still_open)}
    reason = "previous_nonconformities_open" if still_open else "previous_nonconformities_closed"
    return gates.Gate(CODE, "10.2", not still_open, reason, [], params)


def message(gate: gates.Gate) -> str:
    """The gate's reason in words, with its figures."""
    return str(REASONS[gate.reason]) % gate.params


def checklist_gates(adoption, on) -> list[gates.Gate]:
    """For a checklist on `on`: the gate of the next surveillance or renewal audit of its
    referential (one not over by then), if any."""
    upcoming = (Engagement.objects.filter(organization_id=adoption.organization_id,
                                          referentials=adoption.referential_id,
                                          kind__in=CERTIFICATION_KINDS, end_date__gte=on)
                .order_by("start_date", "id").first())
    gate = gate_for(upcoming) if upcoming is not None else None
    return [gate] if gate is not None else []


gates.register(checklist_gates, LABELS, REASONS)
