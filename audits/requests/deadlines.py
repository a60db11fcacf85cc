"""The evidence requests' deadlines, announced to the reminders (`audit_prep.deadlines`,
decisions 0024 and 0027): a request still to answer (open or being answered) to its assignee,
7 days and 1 day before its due date and on the day. Answered, submitted, closed, reassigned or
given another due date, it is announced differently or not at all, and the reminders close
what was not sent."""

import datetime

from django.utils.translation import gettext as _

from audit_prep.deadlines import Deadline, register_deadline_source

from .models import EvidenceRequest, RequestStatus
from .paths import request_path

THRESHOLDS = (7, 1, 0)
TO_ANSWER = (RequestStatus.OPEN, RequestStatus.IN_PROGRESS)


def _describe(request_id: int, asked: str, organization: str):
    def describe() -> str:
        return _("Evidence request DP-%(number)06d (%(organization)s): %(asked)s") % {
            "number": request_id, "organization": organization, "asked": asked[:200]}
    return describe


@register_deadline_source
def requests_to_answer(today: datetime.date, horizon_days: int) -> list[Deadline]:
    horizon = today + datetime.timedelta(days=horizon_days)
    rows = (EvidenceRequest.objects
            .filter(status__in=TO_ANSWER, assignee__isnull=False, due_date__lte=horizon)
            .values_list("pk", "due_date", "assignee_id", "asked", "engagement_id",
                         "engagement__organization_id", "engagement__organization__name"))
    return [Deadline(key=f"audits.request:{pk}", organization_id=organization_id,
                     due_date=due_date, recipient_ids=(assignee_id,),
                     describe=_describe(pk, asked, organization),
                     link=request_path(organization_id, engagement_id, pk),
                     thresholds=THRESHOLDS)
            for pk, due_date, assignee_id, asked, engagement_id, organization_id, organization
            in rows]
