"""Reminders of the deadlines apps announce (`audit_prep.deadlines`; decision 0027).

`run(today)` does one run in one transaction, inside its job lock (`workers`):

1. **Obsolete.** Open reminders of a deadline no source announces any more (done, moved,
   cancelled, reassigned) are closed: nothing is sent about what no longer needs doing.
2. **Due thresholds.** For each announced deadline and recipient, the most urgent threshold
   reached ("due on or before today + N, not yet reminded for N") gets an open row; the less
   urgent ones reached at the same time are recorded as done, so a stopped beat gives one line,
   never a burst of stale ones (the rule of decision 0007).
3. **Delivery.** One in-app notification per new reminder, and one e-mail per person listing
   all their open reminders, in their language, through the expiry digests' mail path (opt-out,
   inactive, refused addresses and mail server failures handled as there).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit_prep.deadlines import Deadline, deadlines
from audit_prep.i18n import supported_language

from .models import DeadlineReminder, Notification
from .reminders.digest import UNDELIVERABLE, _Mailer, _remember_refused, email_outcome
from .reminders.due import CLOSED_WITHOUT_EMAIL, DEFERRED, ID_CHUNK, OBSOLETE, SENT, chunks

JOB_NAME = "deadline_reminders"
NOTIFICATION_KIND = "deadline"
HORIZON_DAYS = 120  # the largest threshold a source may ask for
SUPERSEDED = "superseded"  # reached together with a more urgent threshold: not sent


@dataclass
class DeadlineRunResult:
    reminders_created: int = 0
    emails_sent: int = 0
    failed: int = 0
    closed_without_email: int = 0
    notifications: int = 0
    locked: bool = False

    def __str__(self) -> str:
        if self.locked:
            return "deadlines: another worker is running this job; nothing done"
        return (f"deadlines: {self.reminders_created} new, {self.emails_sent} e-mails sent, "
                f"{self.failed} failed, {self.closed_without_email} closed without e-mail, "
                f"{self.notifications} notifications")


def run(today: datetime.date | None = None) -> DeadlineRunResult:
    """Record the deadline reminders due by `today` and deliver the open ones. Safe to run any
    number of times."""
    today = today or timezone.localdate()
    announced = {deadline.key: deadline for deadline in deadlines(today, HORIZON_DAYS)}
    with transaction.atomic():
        now, result = timezone.now(), DeadlineRunResult()
        _close_obsolete(announced, now)
        fresh = _record_due(announced, today, now)
        result.reminders_created = len(fresh)
        _deliver(announced, fresh, today, now, result)
        return result


def _close_obsolete(announced: dict[str, Deadline], now) -> None:
    """Close the open reminders of deadlines no longer announced, moved to another date, or
    no longer for that person (reassigned)."""
    open_rows = DeadlineReminder.objects.filter(sent_at__isnull=True)
    stale = [pk for pk, key, due_date, user_id
             in open_rows.values_list("pk", "key", "due_date", "user_id")
             if key not in announced or announced[key].due_date != due_date
             or user_id not in announced[key].recipient_ids]
    for chunk in chunks(stale, ID_CHUNK):
        DeadlineReminder.objects.filter(pk__in=chunk).update(sent_at=now, last_error=OBSOLETE)


def _record_due(announced: dict[str, Deadline], today: datetime.date, now) -> set[int]:
    """Insert the thresholds reached and not recorded yet; the ids of the open rows made."""
    recorded: dict[tuple, set[int]] = defaultdict(set)
    for chunk in chunks(list(announced), ID_CHUNK):
        for key, due_date, user_id, threshold in DeadlineReminder.objects.filter(
                key__in=chunk).values_list("key", "due_date", "user_id", "threshold"):
            recorded[key, due_date, user_id].add(threshold)
    rows = []
    for deadline in announced.values():
        reached = sorted(t for t in deadline.thresholds if (deadline.due_date - today).days <= t)
        if not reached:
            continue
        for user_id in deadline.recipient_ids:
            done = recorded[deadline.key, deadline.due_date, user_id]
            if any(threshold <= reached[0] for threshold in done):
                continue  # reminded at this threshold or a more urgent one already
            rows += [DeadlineReminder(
                key=deadline.key, due_date=deadline.due_date, threshold=threshold,
                user_id=user_id, organization_id=deadline.organization_id,
                sent_at=None if threshold == reached[0] else now,
                last_error="" if threshold == reached[0] else SUPERSEDED)
                for threshold in reached if threshold not in done]
    before = DeadlineReminder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    DeadlineReminder.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return set(DeadlineReminder.objects.filter(pk__gt=before, sent_at__isnull=True)
               .values_list("pk", flat=True))


def _deliver(announced, fresh: set[int], today, now, result: DeadlineRunResult) -> None:
    open_rows = list(DeadlineReminder.objects.filter(sent_at__isnull=True)
                     .order_by("user_id", "due_date", "pk")
                     .values_list("pk", "user_id", "key", "organization_id"))
    by_user: dict[int, list[tuple]] = defaultdict(list)
    for row in open_rows:
        by_user[row[1]].append(row)
    users = {u["pk"]: u for u in get_user_model().objects.filter(pk__in=list(by_user)).values(
        "pk", "email", "username", "first_name", "last_name", "is_active",
        "preference__language", "preference__reminders_opt_out",
        "preference__email_refused")}
    outcome: dict[str, list[list[int]]] = defaultdict(list)  # reason -> each person's rows
    notifications: list[Notification] = []
    refused: list = []
    mailer = _Mailer()
    try:
        for user_id, rows in by_user.items():
            user = users[user_id]
            with translation.override(supported_language(user["preference__language"])):
                lines = [(_line(announced[key], today), announced[key].link, pk in fresh,
                          organization_id) for pk, _user, key, organization_id in rows]
                if user["is_active"]:
                    notifications += [_notification(user_id, line, link, organization_id)
                                      for line, link, new, organization_id in lines if new]
                reason = email_outcome(user, partial(_mail, user, lines), mailer,
                                       notifications, refused)
            outcome[reason].append([row[0] for row in rows])
    finally:
        mailer.close()
    Notification.objects.bulk_create(notifications)
    _remember_refused(refused)
    result.notifications += len(notifications)
    _close(outcome, now, result)


def _line(deadline: Deadline, today: datetime.date) -> str:
    days = (deadline.due_date - today).days
    date = formats.date_format(deadline.due_date, "DATE_FORMAT")
    if days > 0:
        when = ngettext("due on %(date)s, in %(days)d day", "due on %(date)s, in %(days)d days",
                        days) % {"date": date, "days": days}
    elif days == 0:
        when = _("due today, %(date)s") % {"date": date}
    else:
        when = ngettext("was due on %(date)s, %(days)d day ago",
                        "was due on %(date)s, %(days)d days ago", -days) % {
            "date": date, "days": -days}
    return _("%(what)s — %(when)s") % {"what": deadline.describe(), "when": when}


def _notification(user_id: int, line: str, link: str, organization_id: int) -> Notification:
    return Notification(user_id=user_id, organization_id=organization_id,
                        kind=NOTIFICATION_KIND, title=line[:300], link=link)


def _mail(user, lines: list[tuple]) -> EmailMultiAlternatives:
    subject = ngettext("Reminder: %(count)d deadline", "Reminder: %(count)d deadlines",
                       len(lines)) % {"count": len(lines)}
    site = settings.SITE_URL.rstrip("/")
    body = "\n\n".join([
        _("Hello %(name)s,") % {"name": f"{user['first_name']} {user['last_name']}".strip()
                                or user["username"]},
        _("These deadlines are coming up or have passed:"),
        "\n".join(f"- {line}\n  {site}{link}" for line, link, _new, _org in lines),
        _("Change what you receive: %(url)s") % {"url": f"{site}/account/"},
    ])
    return EmailMultiAlternatives(subject, body, to=[user["email"]])


def _close(outcome: dict[str, list[list[int]]], now, result: DeadlineRunResult) -> None:
    """Record each person's outcome on their open reminders, and count it in `result`."""
    for reason, groups in outcome.items():
        for chunk in chunks([pk for group in groups for pk in group], ID_CHUNK):
            rows = DeadlineReminder.objects.filter(pk__in=chunk)
            if reason == SENT:
                rows.update(sent_at=now, last_error="", attempts=F("attempts") + 1)
            elif reason in CLOSED_WITHOUT_EMAIL or reason.startswith(UNDELIVERABLE):
                rows.update(sent_at=now, last_error=reason)
            else:  # a mail server failure: open for the next run
                rows.update(last_error=reason, attempts=F("attempts") + int(reason != DEFERRED))
        people = len(groups)
        if reason == SENT:
            result.emails_sent += people
        elif reason in CLOSED_WITHOUT_EMAIL or reason.startswith(UNDELIVERABLE):
            result.closed_without_email += people
        else:
            result.failed += people
