"""Reminders of evidence requests: the assignee of a request still to answer (open or in
progress) is reminded 7 days and 1 day before its due date, then on the day (or at once when
found overdue), by e-mail in their language (through the expiry digest's mail path, opt-out and
refusal handling) and with one in-app notification per run.

`run(today)` does one run in one transaction; the daily reminders task (`workers.send_reminders`)
calls it inside its own job lock ("send_request_reminders"). Decision 0007's rule:

1. **Due thresholds.** "Due on or before today + N days and not reminded for N yet": every
   threshold reached for a request's current due date and not recorded is inserted
   (`RequestReminder`, unique per request, due date and threshold); only the most urgent is
   left to send, the others are closed as superseded, so a request created two days before its
   due date gives one reminder, never two. Less urgent thresholds than a recorded one are not
   back-filled. A new due date arms the thresholds again.
2. **Obsolete.** Unsent reminders of a request answered, submitted, closed, reassigned or given
   another due date since are closed unsent.
3. **Delivery.** One e-mail per assignee for all their unsent reminders, one notification.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import partial
from itertools import groupby
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit_prep.i18n import supported_language
from audits.requests.models import EvidenceRequest, RequestStatus
from audits.requests.paths import request_path

from ..models import Notification, RequestReminder
from .digest import (
    UNDELIVERABLE,
    USER_CHUNK,
    _display_name,
    _Mailer,
    _remember_refused,
    email_outcome,
    preferences_url,
)
from .due import CHUNK, CLOSED_WITHOUT_EMAIL, DEFERRED, OBSOLETE, OPT_OUT, SENT, chunks

JOB_NAME = "send_request_reminders"  # the name of its job lock (workers)
NOTIFICATION_KIND = "evidence_requests_due"
THRESHOLDS = (7, 1, 0)  # days before the due date
SUPERSEDED = "superseded"  # closing reason: a more urgent reminder was due at the same time
TO_ANSWER = (RequestStatus.OPEN, RequestStatus.IN_PROGRESS)


@dataclass
class RequestRunResult:
    reminders_created: int = 0
    emails_sent: int = 0
    failed: int = 0
    skipped_opt_out: int = 0
    skipped_other: int = 0
    undeliverable: int = 0
    notifications: int = 0
    locked: bool = False

    def __str__(self) -> str:
        if self.locked:
            return "request reminders: another worker is running this job; nothing done"
        return (f"request reminders: {self.reminders_created} new, {self.emails_sent} e-mails "
                f"sent, {self.failed} failed, {self.skipped_opt_out} opted out, "
                f"{self.skipped_other} skipped, {self.undeliverable} refused for good, "
                f"{self.notifications} notifications")


def due_thresholds(days_left: int) -> list[int]:
    """Every threshold reached `days_left` days before the due date (all of them once due)."""
    return [n for n in THRESHOLDS if days_left <= n]


def record_due(today: datetime.date, now) -> int:
    """Insert the thresholds reached and not recorded yet; return how many were created."""
    before = RequestReminder.objects.aggregate(last=Max("pk"))["last"] or 0
    recorded = RequestReminder.objects.filter(evidence_request=OuterRef("pk"),
                                              due_date=OuterRef("due_date"))
    due = (EvidenceRequest.objects
           .filter(status__in=TO_ANSWER, assignee__isnull=False,
                   due_date__lte=today + datetime.timedelta(days=max(THRESHOLDS)))
           .annotate(recorded=Subquery(recorded.order_by("threshold_days")
                                       .values("threshold_days")[:1]))
           .order_by("pk").values_list("pk", "due_date", "assignee_id", "recorded"))
    rows = []
    for pk, due_date, user_id, most_urgent in due.iterator(chunk_size=CHUNK):
        reached = [n for n in due_thresholds((due_date - today).days)
                   if most_urgent is None or n < most_urgent]
        if not reached:
            continue
        urgent = min(reached)
        rows += [RequestReminder(
            evidence_request_id=pk, due_date=due_date, threshold_days=n, user_id=user_id,
            sent_at=None if n == urgent else now, last_error="" if n == urgent else SUPERSEDED)
            for n in reached]
    RequestReminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=CHUNK)
    return RequestReminder.objects.filter(pk__gt=before).count()


def close_obsolete(now) -> None:
    """Unsent reminders of a request no longer to answer, reassigned or given another due date
    are closed unsent."""
    stale = (~Q(evidence_request__status__in=TO_ANSWER)
             | ~Q(user_id=F("evidence_request__assignee_id"))
             | Q(evidence_request__assignee__isnull=True)
             | ~Q(due_date=F("evidence_request__due_date")))
    RequestReminder.objects.filter(stale, sent_at__isnull=True).update(sent_at=now,
                                                                       last_error=OBSOLETE)


@dataclass
class Line:
    reference: str
    asked: str
    organization: str
    organization_id: int
    link: str
    days_left: int
    when: str = ""
    ids: list[int] = field(default_factory=list)


def when_due(days_left: int) -> str:
    if days_left == 0:
        return _("due today")
    if days_left > 0:
        return ngettext("due in %(days)d day", "due in %(days)d days",
                        days_left) % {"days": days_left}
    return ngettext("overdue by %(days)d day", "overdue by %(days)d days",
                    -days_left) % {"days": -days_left}


def _lines(rows, today: datetime.date) -> list[Line]:
    lines: list[Line] = []
    for pk, _user, request_id, due_date, asked, engagement_id, org_id, org_name in rows:
        reference = f"DP-{request_id:06d}"
        if lines and lines[-1].reference == reference:
            lines[-1].ids.append(pk)
            continue
        link = settings.SITE_URL + request_path(org_id, engagement_id, request_id)
        lines.append(Line(reference, asked[:200], org_name, org_id, link,
                          (due_date - today).days, ids=[pk]))
    return lines


def _email(user, lines: list[Line], templates) -> EmailMultiAlternatives:
    context = {"name": _display_name(user), "items": lines,
               "preferences_url": preferences_url()}
    subject = ngettext("Reminder: %(count)d evidence request to answer",
                       "Reminder: %(count)d evidence requests to answer",
                       len(lines)) % {"count": len(lines)}
    message = EmailMultiAlternatives(
        subject, templates[0].render(context), settings.DEFAULT_FROM_EMAIL, [user["email"]],
        headers={"Auto-Submitted": "auto-generated"})
    message.attach_alternative(templates[1].render(context), "text/html")
    return message


def _notification(user_id: int, lines: list[Line]) -> Notification:
    orgs = {line.organization_id for line in lines}
    title = ngettext("%(count)d evidence request to answer",
                     "%(count)d evidence requests to answer", len(lines)) % {
        "count": len(lines)}
    body = "\n".join(f"{line.reference} — {line.asked} ({line.when})" for line in lines)
    return Notification(user_id=user_id, organization_id=orgs.pop() if len(orgs) == 1 else None,
                        kind=NOTIFICATION_KIND, title=title[:300], body=body,
                        link=lines[0].link[:500])


def deliver(today: datetime.date, now, result: RequestRunResult) -> None:
    user_ids = list(RequestReminder.objects.filter(sent_at__isnull=True).order_by("user_id")
                    .values_list("user_id", flat=True).distinct())
    templates = (get_template("notices/request_reminders.txt"),
                 get_template("notices/request_reminders.html"))
    mailer = _Mailer()
    try:
        for chunk in chunks(user_ids, USER_CHUNK):
            _deliver_chunk(chunk, today, now, result, mailer, templates)
    finally:
        mailer.close()


def _deliver_chunk(user_ids, today, now, result, mailer, templates) -> None:
    users = {u["pk"]: u for u in get_user_model().objects.filter(pk__in=user_ids).values(
        "pk", "email", "username", "first_name", "last_name", "is_active",
        "preference__language", "preference__reminders_opt_out",
        "preference__email_refused")}
    rows = RequestReminder.objects.filter(sent_at__isnull=True, user_id__in=user_ids).order_by(
        "user_id", "due_date", "evidence_request_id").values_list(
        "pk", "user_id", "evidence_request_id", "due_date", "evidence_request__asked",
        "evidence_request__engagement_id", "evidence_request__engagement__organization_id",
        "evidence_request__engagement__organization__name")
    outcome: dict[str, list[list[int]]] = {}  # reason -> one list of reminder ids per user
    notifications: list[Notification] = []
    refused: list[Any] = []
    for user_id, group in groupby(rows, key=lambda row: row[1]):
        user, lines = users[user_id], _lines(list(group), today)
        with translation.override(supported_language(user["preference__language"])):
            for line in lines:
                line.when = when_due(line.days_left)
            if user["is_active"]:
                notifications.append(_notification(user_id, lines))
            reason = email_outcome(user, partial(_email, user, lines, templates), mailer,
                                   notifications, refused)
        outcome.setdefault(reason, []).append([pk for line in lines for pk in line.ids])
    Notification.objects.bulk_create(notifications, batch_size=CHUNK)
    _remember_refused(refused)
    result.notifications += len(notifications)
    _close(outcome, now, result)


def _close(outcome: dict[str, list[list[int]]], now, result: RequestRunResult) -> None:
    for reason, groups in outcome.items():
        reminders = RequestReminder.objects.filter(pk__in=[pk for ids in groups for pk in ids])
        if reason == SENT or reason in CLOSED_WITHOUT_EMAIL or reason.startswith(UNDELIVERABLE):
            tried = reason == SENT or reason.startswith(UNDELIVERABLE)
            reminders.update(sent_at=now, last_error="" if reason == SENT else reason,
                             attempts=F("attempts") + int(tried))
        else:  # a mail server failure: kept open for the next run
            reminders.update(last_error=reason, attempts=F("attempts") + int(reason != DEFERRED))
        _count(reason, len(groups), result)


def _count(reason: str, count: int, result: RequestRunResult) -> None:
    if reason == SENT:
        result.emails_sent += count
    elif reason == OPT_OUT:
        result.skipped_opt_out += count
    elif reason in CLOSED_WITHOUT_EMAIL:
        result.skipped_other += count
    elif reason.startswith(UNDELIVERABLE):
        result.undeliverable += count
    else:
        result.failed += count


def run(today: datetime.date | None = None) -> RequestRunResult:
    """Record the request reminders due by `today` and send those not sent yet. Safe to run
    any number of times; the job runs it in its job lock."""
    today = today or timezone.localdate()
    with transaction.atomic():
        result = RequestRunResult()
        now = timezone.now()
        close_obsolete(now)
        result.reminders_created = record_due(today, now)
        deliver(today, now, result)
        return result
