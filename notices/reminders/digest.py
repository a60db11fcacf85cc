"""The digests: one e-mail per recipient covering all their open deliveries, in their
language, through one mail connection for the run, and one in-app notification for what is new.
Step 3 of a run (see the package's docstring); templates in notices/templates/notices/."""

from __future__ import annotations

import contextlib
import datetime
import re
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import groupby
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F
from django.template.loader import get_template
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit_prep.i18n import supported_language
from audit_prep.services import preference_of
from evidence.references import EVIDENCE_LIST_PATH, evidence_url
from populations.models import EvidenceMember

from ..models import Notification, ReminderDelivery
from .due import (
    CHUNK,
    CLOSED_WITHOUT_EMAIL,
    DEFERRED,
    INACTIVE,
    NO_EMAIL,
    OPT_OUT,
    REFUSED_ADDRESS,
    SENT,
    chunks,
    complete_reminders,
)

if TYPE_CHECKING:
    from . import RunResult

NOTIFICATION_KIND = "reminder_digest"
REFUSED_KIND = "email_refused"
UNDELIVERABLE = "undeliverable: "  # prefix of the error of a permanently refused address
USER_CHUNK = 250  # recipients whose digests are built per query
MAX_CONSECUTIVE_FAILURES = 3  # mail server failures in a row before the rest is deferred
MEMBERS_NAMED = 20  # members named per evidence item, then "+ N"
PREFERENCES_PATH = "/account/"  # the page where a person sets what they receive


@dataclass
class Item:
    evidence_id: int
    title: str
    organization_id: int
    organization: str
    valid_until: datetime.date
    days_left: int
    escalated: bool
    fresh: bool  # first delivered in this run (in-app notification)
    link: str
    when: str = ""  # "expires in 5 days", in the recipient's language
    validity: str = ""  # "valid until 9 March 2026", idem
    members: str = ""  # the population members the evidence names: "1001 AB, 1002 CD"


def preferences_url() -> str:
    """Where a person changes what they receive: their account page."""
    return f"{settings.SITE_URL}{PREFERENCES_PATH}"


def when_text(days_left: int) -> str:
    if days_left == 0:
        return _("expires today")
    if days_left > 0:
        return ngettext("expires in %(days)d day", "expires in %(days)d days",
                        days_left) % {"days": days_left}
    return ngettext("expired %(days)d day ago", "expired %(days)d days ago",
                    -days_left) % {"days": -days_left}


def _items(rows, today: datetime.date) -> list[Item]:
    """One line per evidence item (the most urgent of its open deliveries), sorted by
    structure, then date."""
    items: dict[int, Item] = {}
    for (_pk, _user, attempts, error, _thr, valid_until, escalated, evidence_id, title,
         org_id, org_name) in rows:
        item = items.get(evidence_id)
        fresh = attempts == 0 and not error
        if item is None:
            items[evidence_id] = Item(
                evidence_id, title, org_id, org_name, valid_until,
                (valid_until - today).days, escalated, fresh,
                evidence_url(evidence_id))
        else:
            item.escalated |= escalated
            item.fresh |= fresh
    return sorted(items.values(), key=lambda i: (i.organization, i.organization_id,
                                                 i.valid_until, i.title, i.evidence_id))


def name_members(items: list[Item]) -> None:
    """Set each item's `members`: the members its evidence names (internal reference and
    initials, never more), so that the reminder says whose PASS or contract expires. One
    query for the items of a chunk."""
    named: dict[int, list[str]] = {}
    rows = (EvidenceMember.objects.filter(evidence_id__in={i.evidence_id for i in items})
            .order_by("evidence_id", "member__reference")
            .values_list("evidence_id", "member__reference", "member__initials"))
    for evidence_id, reference, initials in rows:
        named.setdefault(evidence_id, []).append(f"{reference} {initials}")
    for item in items:
        names = named.get(item.evidence_id, [])
        extra = len(names) - MEMBERS_NAMED
        item.members = ", ".join(names[:MEMBERS_NAMED]) + (f" + {extra}" if extra > 0 else "")


_ENHANCED_STATUS = re.compile(r"\s*([245])\.(\d{1,3})\.(\d{1,3})")
# Without an enhanced status code: 551 user not local, 553 mailbox name not allowed.
_ADDRESS_CODES = {551, 553}


def _text(message) -> str:
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


def _enhanced_status(message) -> tuple[str, str] | None:
    """(class, subject) of an RFC 3463 status at the start of a reply: "5.1.1 ..." -> ("5", "1")."""
    status = _ENHANCED_STATUS.match(_text(message))
    return (status.group(1), status.group(2)) if status else None


def _address_refused_for_good(code: int, message) -> bool:
    """A permanent refusal of the address itself (5.1.x: unknown mailbox, bad domain or syntax,
    moved), not of the sender or the message (5.7.x: relay, authentication, policy), which
    says nothing about the address."""
    status = _enhanced_status(message)
    return status == ("5", "1") if status else code in _ADDRESS_CODES


def _sender_refused(exc: smtplib.SMTPRecipientsRefused) -> bool:
    """5.7.x or 530 (relay denied, authentication required...): the server refuses us."""
    return any(code == 530 or (_enhanced_status(message) or ("", ""))[1] == "7"
               for code, message in exc.recipients.values())


def _refusal(exc: smtplib.SMTPRecipientsRefused) -> str:
    """The error to record; a refusal of the address for good starts with UNDELIVERABLE."""
    answers = exc.recipients.values()
    text = "; ".join(f"{code} {_text(message)}" for code, message in answers)
    if answers and all(_address_refused_for_good(code, message) for code, message in answers):
        return (UNDELIVERABLE + text)[:300]
    return f"{type(exc).__name__}: {text}"[:300]


class _Mailer:
    """One connection for the run. After MAX_CONSECUTIVE_FAILURES server failures in a row
    the remaining digests are deferred to the next attempt instead of timing out one by one."""

    def __init__(self):
        self.connection = get_connection(fail_silently=False)
        self.opened = False
        self.failures_in_a_row = 0

    def send(self, message: EmailMultiAlternatives) -> str | None:
        """None when the server accepted the message, else the error to record."""
        if self.failures_in_a_row >= MAX_CONSECUTIVE_FAILURES:
            return DEFERRED
        try:
            if not self.opened:
                self.connection.open()
                self.opened = True
            message.connection = self.connection
            if not self.connection.send_messages([message]):
                raise smtplib.SMTPException("the mail server accepted no recipient")
        except smtplib.SMTPRecipientsRefused as exc:
            if _sender_refused(exc):  # the server's setup, not the address: as a failure
                self.failures_in_a_row += 1
            return _refusal(exc)  # else this address only: keep going
        except (smtplib.SMTPException, OSError) as exc:
            self.failures_in_a_row += 1
            self.close()
            return f"{type(exc).__name__}: {exc}"[:300]
        self.failures_in_a_row = 0
        return None

    def close(self):
        if self.opened:
            self.opened = False
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.close()


def _display_name(user: Mapping[str, Any]) -> str:
    full = f"{user['first_name']} {user['last_name']}".strip()
    return full or user["username"]


def _digest(user: Mapping[str, Any], items: list[Item], templates) -> EmailMultiAlternatives:
    groups = [{"organization": name, "items": list(group)}
              for name, group in groupby(items, key=lambda i: i.organization)]
    context = {"name": _display_name(user), "groups": groups,
               "escalated": _("escalated to the quality managers"),
               "preferences_url": preferences_url()}
    subject = ngettext("Reminder: %(count)d evidence item to renew",
                       "Reminder: %(count)d evidence items to renew",
                       len(items)) % {"count": len(items)}
    message = EmailMultiAlternatives(
        subject, templates[0].render(context), settings.DEFAULT_FROM_EMAIL, [user["email"]],
        headers={"Auto-Submitted": "auto-generated"})
    message.attach_alternative(templates[1].render(context), "text/html")
    return message


def _notification(user_id: int, items: list[Item]) -> Notification:
    fresh = [i for i in items if i.fresh]
    orgs = {i.organization_id for i in fresh}
    org_id = orgs.pop() if len(orgs) == 1 else None
    if len(fresh) == 1:
        link = fresh[0].link
    else:
        link = f"{settings.SITE_URL}{EVIDENCE_LIST_PATH}"
        if org_id is not None:
            link += f"?organization={org_id}"
    title = ngettext("%(count)d evidence item to renew", "%(count)d evidence items to renew",
                     len(fresh)) % {"count": len(fresh)}
    body = "\n".join(
        _("%(title)s (%(structure)s): %(when)s")
        % {"title": i.title, "structure": i.organization, "when": i.when}
        + (" — " + _("concerns %(members)s") % {"members": i.members} if i.members else "")
        for i in fresh)
    return Notification(user_id=user_id, organization_id=org_id, kind=NOTIFICATION_KIND,
                        title=title[:300], body=body, link=link[:500])


def _refused_notification(user: Mapping[str, Any]) -> Notification:
    return Notification(
        user_id=user["pk"], kind=REFUSED_KIND,
        title=(_("Reminder e-mails to %(email)s are refused") % {"email": user["email"]})[:300],
        body=_("The mail server refused this address for good: reminders are no longer e-mailed "
               "to it and stay here. They are e-mailed again once the address of your account "
               "changes, or once you clear the refusal in your preferences if the address is "
               "right after all."),
        link=preferences_url())


def _remember_refused(users: Sequence[Mapping[str, Any]]) -> None:
    """Record each refused address on its owner's preferences (created, and audited, as
    everywhere else, when missing): nothing more is e-mailed to it."""
    if not users:
        return
    people = get_user_model().objects.in_bulk([user["pk"] for user in users])
    for user in users:
        preference = preference_of(people[user["pk"]])
        preference.email_refused = user["email"]
        preference.save(update_fields=["email_refused"])


def deliver(today: datetime.date, now, result: RunResult) -> None:
    open_deliveries = ReminderDelivery.objects.filter(sent_at__isnull=True)
    user_ids = list(open_deliveries.order_by("user_id").values_list("user_id", flat=True)
                    .distinct())
    templates = (get_template("notices/reminder_digest.txt"),
                 get_template("notices/reminder_digest.html"))
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
    rows = ReminderDelivery.objects.filter(sent_at__isnull=True, user_id__in=user_ids).order_by(
        "user_id").values_list(
        "pk", "user_id", "attempts", "last_error", "reminder__threshold",
        "reminder__valid_until", "reminder__escalated", "reminder__evidence_id",
        "reminder__evidence__title", "reminder__evidence__organization_id",
        "reminder__evidence__organization__name")
    by_user = {user_id: _items(user_rows, today)
               for user_id, user_rows in groupby(rows, key=lambda r: r[1])}
    name_members([item for items in by_user.values() for item in items])
    outcome: dict[str, list[int]] = {}  # sent / closing reason / error -> user ids
    notifications: list[Notification] = []
    refused: list[Mapping[str, Any]] = []
    phrases: dict[tuple, tuple[str, str]] = {}
    for user_id, items in by_user.items():
        user = users[user_id]
        with translation.override(supported_language(user["preference__language"])):
            _phrase(items, phrases)
            if user["is_active"] and any(i.fresh for i in items):
                notifications.append(_notification(user_id, items))
            reason = email_outcome(user, partial(_digest, user, items, templates), mailer,
                                   notifications, refused)
        outcome.setdefault(reason, []).append(user_id)

    Notification.objects.bulk_create(notifications, batch_size=CHUNK)
    _remember_refused(refused)
    result.notifications += len(notifications)
    _close_deliveries(outcome, now, result)
    complete_reminders(user_ids, now)


def _phrase(items, phrases: dict[tuple, tuple[str, str]]) -> None:
    """Set each item's `when` and `validity` phrases in the active language; `phrases` caches
    them by (language, date): a run has few distinct dates."""
    for item in items:
        key = (translation.get_language(), item.valid_until)
        if key not in phrases:
            phrases[key] = (when_text(item.days_left), _("valid until %(date)s") % {
                "date": formats.date_format(item.valid_until, "DATE_FORMAT")})
        item.when, item.validity = phrases[key]


def email_outcome(user: Mapping[str, Any], compose, mailer: _Mailer, notifications: list,
                  refused: list) -> str:
    """E-mail `user` the message `compose()` builds, unless they get none (opt-out, inactive,
    no address, refused address); the outcome to record: SENT, a closing reason or an error.
    An address refused for good adds a notice to `notifications` and the user to `refused`."""
    reason = _not_emailed_because(user)
    if reason is None:
        reason = mailer.send(compose()) or SENT
        if reason.startswith(UNDELIVERABLE):
            notifications.append(_refused_notification(user))
            refused.append(user)
    return reason


def _not_emailed_because(user: Mapping[str, Any]) -> str | None:
    """Why this user gets no e-mail (a closing reason), or None when the digest is sent."""
    if not user["is_active"]:
        return INACTIVE
    if user["preference__reminders_opt_out"]:
        return OPT_OUT
    if not user["email"]:
        return NO_EMAIL
    if user["email"].lower() == (user["preference__email_refused"] or "").lower():
        return REFUSED_ADDRESS
    return None


def _close_deliveries(outcome: dict[str, list[int]], now, result) -> None:
    """Record each user's outcome on their pending deliveries, and count it in `result`."""
    for reason, ids in outcome.items():
        deliveries = ReminderDelivery.objects.filter(sent_at__isnull=True, user_id__in=ids)
        if reason == SENT:
            deliveries.update(sent_at=now, last_error="", attempts=F("attempts") + 1)
            result.emails_sent += len(ids)
        elif reason in CLOSED_WITHOUT_EMAIL:
            deliveries.update(sent_at=now, last_error=reason)
            if reason == OPT_OUT:
                result.skipped_opt_out += len(ids)
            else:
                result.skipped_other += len(ids)
        elif reason == DEFERRED:
            deliveries.update(last_error=reason)
            result.failed += len(ids)
        elif reason.startswith(UNDELIVERABLE):  # closed: retrying cannot help
            deliveries.update(sent_at=now, last_error=reason, attempts=F("attempts") + 1)
            result.undeliverable += len(ids)
        else:
            deliveries.update(last_error=reason, attempts=F("attempts") + 1)
            result.failed += len(ids)
