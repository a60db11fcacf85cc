"""The findings' deadlines, announced to the reminders (`audit_prep.deadlines`, decisions 0026
and 0027): a corrective action not done (its finding not closed) to its owner, 7 and 1 days
before its due date and on the day; a nonconformity's corrective-action plan while it is not
answered (open, or more asked), and its verification date while the finding is open, to the
structure's quality managers, 14 and 7 days before and on the day. A deadline stops being
announced once done: the reminders close what was not sent."""

import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from audit_prep.deadlines import Deadline, register_deadline_source
from audit_prep.models import Membership
from audit_prep.roles import Role

from .finding_models import CorrectiveAction, Finding, FindingStatus

ACTION_THRESHOLDS = (7, 1, 0)
FINDING_THRESHOLDS = (14, 7, 0)
UNANSWERED = (FindingStatus.OPEN, FindingStatus.MORE_REQUESTED)


def _link(organization_id: int, finding_id: int) -> str:
    return reverse("structure-settings-finding", args=[organization_id, finding_id])


def _action_text(number: int, text: str):
    def describe() -> str:
        return _("Action of finding #%(number)d: %(action)s") % {"number": number,
                                                                 "action": text[:200]}
    return describe


def _finding_text(number: int, what: str):
    def describe() -> str:
        if what == "plan":
            return _("Finding #%(number)d: send the corrective-action plan") % {
                "number": number}
        return _("Finding #%(number)d: verification of the corrective actions") % {
            "number": number}
    return describe


def _actions(horizon: datetime.date) -> list[Deadline]:
    rows = (CorrectiveAction.objects.filter(done_on__isnull=True, due_date__lte=horizon)
            .exclude(finding__status=FindingStatus.CLOSED)
            .values_list("pk", "due_date", "owner_id", "description", "finding_id",
                         "finding__number", "finding__engagement__organization_id"))
    return [Deadline(key=f"audits.action:{pk}", organization_id=organization, due_date=day,
                     recipient_ids=(owner,), describe=_action_text(number, text),
                     link=_link(organization, finding), thresholds=ACTION_THRESHOLDS)
            for pk, day, owner, text, finding, number, organization in rows]


def _findings(horizon: datetime.date) -> list[Deadline]:
    open_findings = Finding.objects.exclude(status__in=(FindingStatus.DRAFT,
                                                        FindingStatus.CLOSED))
    plans = open_findings.filter(status__in=UNANSWERED, plan_due__lte=horizon).values_list(
        "pk", "number", "engagement__organization_id", "plan_due")
    checks = open_findings.filter(verification_due__lte=horizon).values_list(
        "pk", "number", "engagement__organization_id", "verification_due")
    due = [("plan", *row) for row in plans] + [("verification", *row) for row in checks]
    managers: dict[int, list[int]] = {}
    for organization_id, user_id in Membership.objects.filter(
            organization_id__in={row[3] for row in due}, role=Role.QUALITY_MANAGER,
            user__is_active=True).values_list("organization_id", "user_id").order_by("user_id"):
        managers.setdefault(organization_id, []).append(user_id)
    return [Deadline(key=f"audits.finding:{pk}:{what}", organization_id=organization,
                     due_date=day, recipient_ids=tuple(managers.get(organization, ())),
                     describe=_finding_text(number, what), link=_link(organization, pk),
                     thresholds=FINDING_THRESHOLDS)
            for what, pk, number, organization, day in due if day is not None]


@register_deadline_source
def finding_deadlines(today: datetime.date, horizon_days: int) -> list[Deadline]:
    horizon = today + datetime.timedelta(days=horizon_days)
    return _actions(horizon) + _findings(horizon)
