"""Expiry reminders: the due reminders recorded first, then one digest e-mail per recipient
per run.

`run(today)` does one run in one transaction. The periodic job (`workers.send_reminders`, and
`manage.py send_reminders`) calls it inside the "send_reminders" job lock of `workers`, so that
one run at a time happens across every worker:

0. **Validity.** The validity read model (`EvidenceItem.validity_end`, `superseded`) is
   refreshed from the one rule (`checklists.services.validity.refresh`), structure by structure.
1. **Due thresholds, set-based.** For each distinct reminder policy, one query (read in pages
   by primary key) finds the evidence whose most urgent due threshold has no `Reminder` row yet
   ("expires on or before today + N and not yet reminded for N"). Every due threshold more
   urgent than those already recorded is inserted (bulk, ignore_conflicts: the unique
   constraint is the backstop). Only the most urgent one is delivered; the others are recorded
   as done, so a stopped beat or a new item already inside 7 days gives one line, never a burst
   of stale ones. Thresholds less urgent than a recorded one are not back-filled (a lead time
   added later): they could never be sent.
2. **Recipients.** The rows just inserted are re-read (this run's: above the
   highest id before the run, not completed): the owner, when still an active member of the
   structure, otherwise the structure's quality managers; from `escalate_after_days` overdue
   on, the quality managers too (`Reminder.escalated`).
3. **Delivery.** One digest per recipient covering all their open deliveries (failed ones of
   earlier runs included), in their language, through one mail connection for the run, plus one
   in-app notification for what is new. A reminder is completed once all its deliveries are.

A delivery is closed when `sent_at` is set: an empty `last_error` means the mail server accepted
it; one of `CLOSED_WITHOUT_EMAIL` says why no e-mail was sent (opt-out, inactive user, no
address, evidence archived or renewed since). Opting out stops e-mails only: the in-app
notification is still created. Inactive users get neither. A mail server failure, or an address
refused for now (4xx), leaves `sent_at` empty, adds an attempt and keeps the error: the next run
(or the task's retry) sends it, once; a refusal of the sender (5.7.x: relay, authentication)
counts as a server failure. An address refused for good (5.1.x: unknown mailbox or domain)
closes the delivery with an `undeliverable: ...` error, is recorded on its owner's preferences
(nothing more is e-mailed to it until the address changes or the refusal is cleared), and its
owner gets an in-app notice.
The run's writes commit together (its transaction, within the job lock's), so a worker killed
after sending but before the commit re-sends on the next run: at least once, never lost.

The package: `due` records the due thresholds and the deliveries they call for (steps 1 and
2), `digest` composes and sends the digests (step 3); `run` below runs them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from checklists.services import validity

from .digest import (
    MAX_CONSECUTIVE_FAILURES,
    NOTIFICATION_KIND,
    USER_CHUNK,
    Item,
    deliver,
    when_text,
)
from .due import (
    CHUNK,
    CLOSED_WITHOUT_EMAIL,
    DEFERRED,
    ID_CHUNK,
    INACTIVE,
    NO_EMAIL,
    OBSOLETE,
    OPT_OUT,
    SENT,
    DaysUntil,
    Policies,
    close_obsolete,
    due_thresholds,
    record_due,
)

__all__ = [
    "CHUNK", "CLOSED_WITHOUT_EMAIL", "DEFERRED", "ID_CHUNK", "INACTIVE", "JOB_NAME",
    "MAX_CONSECUTIVE_FAILURES", "NOTIFICATION_KIND", "NO_EMAIL", "OBSOLETE", "OPT_OUT", "SENT",
    "USER_CHUNK", "DaysUntil", "DeliveryFailed", "Item", "RunResult", "due_thresholds", "run",
    "when_text",
]

JOB_NAME = "send_reminders"  # the name of its job lock (workers)


class DeliveryFailed(Exception):
    """Some digests were refused by the mail server; they stay unsent for the next attempt."""


@dataclass
class RunResult:
    reminders_created: int = 0
    emails_sent: int = 0
    failed: int = 0
    skipped_opt_out: int = 0
    skipped_other: int = 0  # inactive user, no e-mail address, or an address refused earlier
    undeliverable: int = 0  # address refused for good by the mail server in this run: closed
    notifications: int = 0
    locked: bool = False  # another worker was running the job (its lock): nothing done

    def __str__(self) -> str:
        if self.locked:
            return "reminders: another worker is running this job; nothing done"
        return (f"reminders: {self.reminders_created} new, {self.emails_sent} e-mails sent, "
                f"{self.failed} failed, {self.skipped_opt_out} opted out, "
                f"{self.skipped_other} skipped (inactive, no address or refused address), "
                f"{self.undeliverable} refused for good, "
                f"{self.notifications} notifications")


def run(today: datetime.date | None = None) -> RunResult:
    """Record the reminders that became due by `today` (default: the local date) and send the
    digests not sent yet. Safe to run any number of times; the job runs it in its job lock, so
    that one run at a time happens across the workers."""
    today = today or timezone.localdate()
    # What is due is read from the stored validity (the one rule's answer): refresh it first.
    validity.refresh(on=today)
    with transaction.atomic():
        result = RunResult()
        now = timezone.now()
        close_obsolete(now)
        result.reminders_created = record_due(today, now, Policies())
        deliver(today, now, result)
        return result
