"""What comes next in a certificate's cycle (ISO/IEC 17021-1, 9.1.3 and 9.6): the first
surveillance audit within 12 months of the certification decision, then a surveillance audit
in each calendar year, and the renewal audit before the certificate expires.

Each milestone is matched with the audit (engagement) of its kind that maintains the
certificate: once one is recorded, the milestone is planned, and done once its last day has
passed. The second surveillance falls in the calendar year after the first one took place (or
was due), never after the renewal's own deadline."""

import datetime
from dataclasses import dataclass
from enum import StrEnum

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext_lazy as _

from .models import Certificate, Engagement, EngagementKind

FIRST_SURVEILLANCE_WITHIN = relativedelta(months=12)


class MilestoneState(StrEnum):
    DONE = "done"
    PLANNED = "planned"
    TO_PLAN = "to_plan"
    OVERDUE = "overdue"


STATE_LABELS = {
    MilestoneState.DONE: _("done"),
    MilestoneState.PLANNED: _("planned"),
    MilestoneState.TO_PLAN: _("to plan"),
    MilestoneState.OVERDUE: _("overdue: not planned in time"),
}


@dataclass(frozen=True)
class Milestone:
    """One audit the certificate needs, the date it must take place by, and the audit recorded
    for it, if any."""

    kind: EngagementKind
    due_by: datetime.date
    engagement: Engagement | None

    def state(self, today: datetime.date) -> MilestoneState:
        if self.engagement is None:
            return MilestoneState.OVERDUE if self.due_by < today else MilestoneState.TO_PLAN
        return MilestoneState.DONE if self.engagement.end_date < today else MilestoneState.PLANNED


def _first_of(engagements, kind: EngagementKind) -> Engagement | None:
    return min((engagement for engagement in engagements if engagement.kind == kind),
               key=lambda engagement: engagement.start_date, default=None)


def milestones(certificate: Certificate, engagements=None) -> list[Milestone]:
    """The certificate's surveillance and renewal milestones, in order. `engagements` are the
    certificate's audits (read from the database when not given)."""
    if engagements is None:
        engagements = list(certificate.engagements.all())
    renewal_by = certificate.expiry_date - datetime.timedelta(days=1)
    first = _first_of(engagements, EngagementKind.SURVEILLANCE_1)
    first_by = min(certificate.decision_date + FIRST_SURVEILLANCE_WITHIN, renewal_by)
    first_year = (first.start_date if first else first_by).year
    second_by = min(datetime.date(first_year + 1, 12, 31), renewal_by)
    return [
        Milestone(EngagementKind.SURVEILLANCE_1, first_by, first),
        Milestone(EngagementKind.SURVEILLANCE_2, second_by,
                  _first_of(engagements, EngagementKind.SURVEILLANCE_2)),
        Milestone(EngagementKind.RENEWAL, renewal_by,
                  _first_of(engagements, EngagementKind.RENEWAL)),
    ]
