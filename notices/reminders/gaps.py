"""Gap digests before an audit: at set weeks before an adoption's target audit date (per
structure, `ReminderPolicy.audit_gap_weeks`; default 8, 4 and 2), the structure's quality
managers get one digest of what still fails ON that date: missing requirements, failed stage-1
gates, evidence that will have expired by then, evidence linked that does not count yet.

`run(today)` does one run in one transaction; the daily reminders task
(`workers.send_reminders`, and `manage.py send_reminders`) calls it after the expiry
reminders, inside its own job lock ("send_gap_digests"), so that one run at a time happens
across every worker:

1. **Due thresholds.** For each adoption whose target date is still ahead (1 to 52 weeks), the
   thresholds reached ("the audit is on or before today + N weeks") and not recorded yet for
   that target date are inserted (`AuditGapReminder`, unique per adoption, target date and
   threshold: the backstop against concurrent runs). Only the most urgent is delivered; the
   others are recorded as done, so a date set five weeks ahead gives the 4-week digest at once
   and then the 2-week one, never 8 and 4 together. Less urgent thresholds than a recorded one
   are not back-filled. A new target date has no rows: its thresholds are armed again.
2. **Recipients.** The structure's active quality managers, one `AuditGapDelivery` each.
3. **Delivery** (`gap_digest`): one e-mail per recipient for their open deliveries, through
   the same mail path, opt-out and refusal handling as the expiry digest, plus one in-app
   notification. What fails is read from the checklist built on the target date
   (`checklists.services.checklist.build(adoption, on=target)`), never re-derived. When nothing
   fails on that date, no digest is sent (the delivery closes as "all-clear"): an "all clear"
   e-mail weeks before the audit would be noise, and the checklist says it anyway.

Deliveries of a target date since changed or removed, or of an audit date now reached, are
closed unsent ("obsolete").
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q, Subquery
from django.utils import timezone

from checklists.models import Adoption

from ..models import MAX_GAP_WEEKS, AuditGapDelivery, AuditGapReminder, ReminderPolicy
from .due import CHUNK, ID_CHUNK, OBSOLETE, _quality_managers, chunks
from .gap_digest import deliver

JOB_NAME = "send_gap_digests"  # the name of its job lock (workers)


@dataclass
class GapRunResult:
    thresholds_recorded: int = 0
    emails_sent: int = 0
    all_clear: int = 0  # deliveries closed without a digest: nothing fails on the audit date
    failed: int = 0
    skipped_opt_out: int = 0
    skipped_other: int = 0  # inactive user, no e-mail address, or an address refused earlier
    undeliverable: int = 0
    notifications: int = 0
    locked: bool = False

    def __str__(self) -> str:
        if self.locked:
            return "gap digests: another worker is running this job; nothing done"
        return (f"gap digests: {self.thresholds_recorded} thresholds reached, "
                f"{self.emails_sent} e-mails sent, {self.all_clear} all clear (not sent), "
                f"{self.failed} failed, {self.skipped_opt_out} opted out, "
                f"{self.skipped_other} skipped, {self.undeliverable} refused for good, "
                f"{self.notifications} notifications")


def clean_weeks(value) -> tuple[int, ...]:
    """The valid thresholds of a stored policy, most distant first (empty: no gap digest)."""
    if not isinstance(value, list):
        value = ReminderPolicy().audit_gap_weeks
    weeks = {n for n in value if type(n) is int and 1 <= n <= MAX_GAP_WEEKS}
    return tuple(sorted(weeks, reverse=True))


def due_weeks(days_left: int, weeks: tuple[int, ...]) -> list[int]:
    """Every threshold reached `days_left` days before the audit (none once the day came)."""
    if days_left < 1:
        return []
    return [n for n in weeks if days_left <= 7 * n]


def _weeks_by_organization():
    default = clean_weeks(ReminderPolicy().audit_gap_weeks)
    saved = {org_id: clean_weeks(weeks) for org_id, weeks in
             ReminderPolicy.objects.values_list("organization_id", "audit_gap_weeks")}
    return lambda org_id: saved.get(org_id, default)


def record_due(today: datetime.date, now) -> int:
    """Insert the thresholds reached and not recorded yet, and the deliveries of the most
    urgent one per adoption; return the number of `AuditGapReminder` rows created."""
    before = AuditGapReminder.objects.aggregate(last=Max("pk"))["last"] or 0
    weeks_of = _weeks_by_organization()
    recorded = AuditGapReminder.objects.filter(
        adoption=OuterRef("pk"), target_audit_date=OuterRef("target_audit_date"))
    adoptions = Adoption.objects.filter(
        target_audit_date__gt=today,
        target_audit_date__lte=today + datetime.timedelta(weeks=MAX_GAP_WEEKS),
    ).annotate(recorded=Subquery(recorded.order_by("threshold_weeks")
                                 .values("threshold_weeks")[:1])
               ).order_by("pk").values_list("pk", "organization_id", "target_audit_date",
                                            "recorded")
    rows = []
    for pk, org_id, target, most_urgent in adoptions.iterator(chunk_size=CHUNK):
        assert target is not None  # the filter keeps adoptions with a target date
        due = [n for n in due_weeks((target - today).days, weeks_of(org_id))
               if most_urgent is None or n < most_urgent]
        if not due:
            continue
        urgent = min(due)
        rows += [AuditGapReminder(adoption_id=pk, target_audit_date=target, threshold_weeks=n,
                                  completed_at=None if n == urgent else now) for n in due]
    AuditGapReminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=CHUNK)
    _create_deliveries(before, now)
    return AuditGapReminder.objects.filter(pk__gt=before).count()


def _create_deliveries(before: int, now) -> None:
    """Recipients of the thresholds this run inserted, re-read from the table: the unique
    constraint decided which rows are this run's."""
    new = list(AuditGapReminder.objects.filter(pk__gt=before, completed_at__isnull=True)
               .annotate(more_urgent=Exists(AuditGapReminder.objects.filter(
                   adoption=OuterRef("adoption"), target_audit_date=OuterRef("target_audit_date"),
                   threshold_weeks__lt=OuterRef("threshold_weeks"))))
               .values_list("pk", "adoption__organization_id", "more_urgent"))
    managers = _quality_managers(Q(organization_id__in={org_id for _pk, org_id, _m in new}))
    deliveries, done = [], []
    for pk, org_id, more_urgent in new:
        recipients = [] if more_urgent else managers.get(org_id, [])
        if not recipients:  # recorded meanwhile by a concurrent run, or nobody to tell
            done.append(pk)
        deliveries += [AuditGapDelivery(reminder_id=pk, user_id=user) for user in recipients]
    AuditGapDelivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=CHUNK)
    for ids in chunks(done, ID_CHUNK):
        AuditGapReminder.objects.filter(pk__in=ids).update(completed_at=now)


def close_obsolete(today: datetime.date, now) -> None:
    """Open deliveries for a target date since changed or removed, or for an audit date now
    reached, are dropped unsent."""
    stale = (Q(target_audit_date__lte=today) | Q(adoption__target_audit_date__isnull=True)
             | ~Q(target_audit_date=F("adoption__target_audit_date")))
    reminders = AuditGapReminder.objects.filter(stale, completed_at__isnull=True)
    AuditGapDelivery.objects.filter(sent_at__isnull=True, reminder__in=reminders).update(
        sent_at=now, last_error=OBSOLETE)
    reminders.update(completed_at=now)


def run(today: datetime.date | None = None) -> GapRunResult:
    """Record the gap thresholds reached by `today` (default: the local date) and send the
    digests not sent yet. Safe to run any number of times; the job runs it in its job lock."""
    today = today or timezone.localdate()
    with transaction.atomic():
        result = GapRunResult()
        now = timezone.now()
        close_obsolete(today, now)
        result.thresholds_recorded = record_due(today, now)
        deliver(today, now, result)
        return result
