"""The audits' deadlines, announced to the reminders (`audit_prep.deadlines`, decision 0027):
each surveillance or renewal audit that a valid certificate needs and that no recorded audit
answers yet (the cycle's rule, `audits.cycle`), for the structure's quality managers to plan."""

import datetime

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from audit_prep.deadlines import Deadline, register_deadline_source
from audit_prep.models import Membership
from audit_prep.roles import Role

from .cycle import Milestone, milestones
from .models import Certificate

# Planning an audit with a certification body takes weeks: the first reminder 90 days ahead.
MILESTONE_THRESHOLDS = (90, 30, 7, 0)


def _describe(certificate: Certificate, milestone: Milestone):
    def describe() -> str:
        return _("To plan: %(audit)s of %(referential)s with %(body)s (certificate of "
                 "%(decision)s)") % {
            "audit": milestone.kind.label, "referential": certificate.referential.ref_id,
            "body": certificate.certification_body,
            "decision": formats.date_format(certificate.decision_date, "DATE_FORMAT")}
    return describe


@register_deadline_source
def milestones_to_plan(today: datetime.date, horizon_days: int) -> list[Deadline]:
    horizon = today + datetime.timedelta(days=horizon_days)
    certificates = list(Certificate.objects.filter(expiry_date__gte=today)
                        .select_related("referential").prefetch_related("engagements"))
    managers: dict[int, list[int]] = {}
    for organization_id, user_id in Membership.objects.filter(
            organization_id__in={c.organization_id for c in certificates},
            role=Role.QUALITY_MANAGER, user__is_active=True).values_list(
            "organization_id", "user_id").order_by("user_id"):
        managers.setdefault(organization_id, []).append(user_id)
    return [
        Deadline(key=f"audits.milestone:{certificate.pk}:{milestone.kind}",
                 organization_id=certificate.organization_id, due_date=milestone.due_by,
                 recipient_ids=tuple(managers.get(certificate.organization_id, ())),
                 describe=_describe(certificate, milestone),
                 link=reverse("structure-settings-audits", args=[certificate.organization_id]),
                 thresholds=MILESTONE_THRESHOLDS)
        for certificate in certificates
        for milestone in milestones(certificate, list(certificate.engagements.all()))
        if milestone.engagement is None and milestone.due_by <= horizon
    ]
