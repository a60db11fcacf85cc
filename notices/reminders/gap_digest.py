"""The gap digests: what still fails on an adoption's target audit date, read from the
checklist built on that date, e-mailed to each recipient in their language (one e-mail per
recipient for their open deliveries) through the expiry digest's mail path, with one in-app
notification. Step 3 of a gap run (see `gaps`); templates in notices/templates/notices/."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from itertools import groupby
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db.models import Exists, F, OuterRef
from django.template.loader import get_template
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit_prep.i18n import supported_language
from checklists.models import Adoption
from checklists.readiness import EvidenceState, Status
from checklists.references import HOME_URL_PATH, checklist_url
from checklists.services import checklist

from ..models import AuditGapDelivery, AuditGapReminder, Notification
from .digest import (
    UNDELIVERABLE,
    USER_CHUNK,
    _display_name,
    _Mailer,
    _remember_refused,
    email_outcome,
    preferences_url,
)
from .due import CHUNK, CLOSED_WITHOUT_EMAIL, DEFERRED, ID_CHUNK, OPT_OUT, SENT, chunks

if TYPE_CHECKING:
    from .gaps import GapRunResult

NOTIFICATION_KIND = "audit_gaps"
ALL_CLEAR = "all-clear"  # closing reason: nothing fails on the audit date, no digest sent


@dataclass
class Gaps:
    """What fails on one adoption's target audit date, in the active language."""

    adoption_id: int
    organization_id: int
    organization: str
    referential: str
    target_audit_date: datetime.date
    link: str
    missing: list[dict] = field(default_factory=list)
    gates: list[dict] = field(default_factory=list)
    expired: list[dict] = field(default_factory=list)
    pending: list[dict] = field(default_factory=list)
    heading: str = ""  # "Audit on 15 March 2027, in 56 days", for the recipient's today

    @property
    def count(self) -> int:
        return len(self.missing) + len(self.gates) + len(self.expired) + len(self.pending)


def _validity(day: datetime.date | None) -> str:
    if day is None:
        return ""
    return _("valid until %(date)s") % {"date": formats.date_format(day, "DATE_FORMAT")}


def _explained(what: str, why: str) -> str:
    return _("%(what)s: %(why)s") % {"what": what, "why": why}


def _members(coverage: dict | None) -> dict | None:
    """A per-member requirement's "23 / 25 covered" and who is not covered on the audit date
    (pseudonymous reference and initials, and why), as the checklist gives them."""
    if not coverage or not coverage["not_covered"]:
        return None
    return {"label": coverage["label"], "not_covered": [
        _explained(f"{m['reference']} {m['initials']}", m["status_label"])
        for m in coverage["not_covered"]]}


def gaps_on_audit_date(adoption: Adoption, target: datetime.date) -> Gaps:
    """The failures of the checklist built on `target` (the one readiness rule, its gates
    included), in the active language."""
    data = checklist.build(adoption, on=target, order="clause")
    gaps = Gaps(adoption.pk, adoption.organization_id, data["organization"]["name"],
                data["referential"]["name"], target,
                checklist_url(adoption.pk, target))
    for item in data["items"]:
        line = {"ref_id": item["ref_id"], "name": item["name"],
                "members": _members(item.get("members"))}
        if item["status"] == Status.MISSING:
            gaps.missing.append(line)
        elif item["status"] == Status.EXPIRED:
            line["evidence"] = [
                {"title": e["title"], "validity": _validity(e["valid_until"])}
                for e in item["evidence"] if e["state"] == EvidenceState.EXPIRED]
            gaps.expired.append(line)
        elif item["status"] == Status.PENDING:
            line["reason"] = item["reason_label"]
            line["text"] = _explained(f"{item['ref_id']} {item['name']}", item["reason_label"])
            gaps.pending.append(line)
    gaps.gates = [{"label": gate["label"], "message": gate["message"],
                   "text": _explained(gate["label"], gate["message"]),
                   "evidence": [e["title"] for e in gate.get("evidence", [])]}
                  for gate in data["gates"] if not gate["passed"]]
    return gaps


class _Sections:
    """Each (delivery's threshold, language) evaluated once per run: a run has few."""

    def __init__(self, today: datetime.date):
        self.today = today
        self.by_key: dict[tuple, Gaps] = {}
        self.adoptions: dict[int, Adoption] = {}

    def load(self, adoption_ids) -> None:
        missing = set(adoption_ids) - set(self.adoptions)
        self.adoptions.update(Adoption.objects.select_related("organization", "referential")
                              .in_bulk(missing))

    def of(self, adoption_id: int, target: datetime.date) -> Gaps:
        key = (adoption_id, target, translation.get_language())
        if key not in self.by_key:
            gaps = gaps_on_audit_date(self.adoptions[adoption_id], target)
            days = (target - self.today).days
            gaps.heading = ngettext("Audit on %(date)s, in %(days)d day",
                                    "Audit on %(date)s, in %(days)d days", days) % {
                "date": formats.date_format(target, "DATE_FORMAT"), "days": days}
            self.by_key[key] = gaps
        return self.by_key[key]


def _subject(sections: list[Gaps]) -> str:
    count = sum(s.count for s in sections)
    if len(sections) == 1:
        return ngettext("%(referential)s audit on %(date)s: %(count)d point still fails",
                        "%(referential)s audit on %(date)s: %(count)d points still fail",
                        count) % {
            "referential": sections[0].referential, "count": count,
            "date": formats.date_format(sections[0].target_audit_date, "DATE_FORMAT")}
    return ngettext("Audits ahead: %(count)d point still fails",
                    "Audits ahead: %(count)d points still fail", count) % {"count": count}


def _digest(user: Mapping[str, Any], sections: list[Gaps], templates) -> EmailMultiAlternatives:
    context = {"name": _display_name(user), "sections": sections,
               "preferences_url": preferences_url()}
    message = EmailMultiAlternatives(
        _subject(sections), templates[0].render(context), settings.DEFAULT_FROM_EMAIL,
        [user["email"]], headers={"Auto-Submitted": "auto-generated"})
    message.attach_alternative(templates[1].render(context), "text/html")
    return message


def _notification(user_id: int, sections: list[Gaps]) -> Notification:
    orgs = {s.organization_id for s in sections}
    link = sections[0].link if len(sections) == 1 else f"{settings.SITE_URL}{HOME_URL_PATH}"
    body = "\n".join(
        _("%(referential)s (%(structure)s): %(heading)s: %(missing)d missing, %(gates)d gates "
          "failed, %(expired)d expired, %(pending)d not counting yet")
        % {"referential": s.referential, "structure": s.organization, "heading": s.heading,
           "missing": len(s.missing), "gates": len(s.gates), "expired": len(s.expired),
           "pending": len(s.pending)} for s in sections)
    return Notification(user_id=user_id, organization_id=orgs.pop() if len(orgs) == 1 else None,
                        kind=NOTIFICATION_KIND, title=_subject(sections)[:300], body=body,
                        link=link[:500])


def deliver(today: datetime.date, now, result: GapRunResult) -> None:
    user_ids = list(AuditGapDelivery.objects.filter(sent_at__isnull=True).order_by("user_id")
                    .values_list("user_id", flat=True).distinct())
    templates = (get_template("notices/audit_gaps.txt"), get_template("notices/audit_gaps.html"))
    sections = _Sections(today)
    mailer = _Mailer()
    try:
        for chunk in chunks(user_ids, USER_CHUNK):
            _deliver_chunk(chunk, now, result, mailer, templates, sections)
    finally:
        mailer.close()


def _deliver_chunk(user_ids, now, result, mailer, templates, sections: _Sections) -> None:
    users = {u["pk"]: u for u in get_user_model().objects.filter(pk__in=user_ids).values(
        "pk", "email", "username", "first_name", "last_name", "is_active",
        "preference__language", "preference__reminders_opt_out",
        "preference__email_refused")}
    rows = list(AuditGapDelivery.objects.filter(sent_at__isnull=True, user_id__in=user_ids)
                .order_by("user_id", "reminder__target_audit_date", "reminder_id").values_list(
                    "pk", "user_id", "attempts", "last_error", "reminder__adoption_id",
                    "reminder__target_audit_date"))
    sections.load({row[4] for row in rows})
    # sent / closing reason / error -> delivery ids, one list per e-mail (per threshold when
    # all clear)
    outcome: dict[str, list[list[int]]] = {}
    notifications: list[Notification] = []
    refused: list[Mapping[str, Any]] = []
    for user_id, group in groupby(rows, key=lambda r: r[1]):
        user = users[user_id]
        with translation.override(supported_language(user["preference__language"])):
            failing, fresh = _split(list(group), sections, outcome)
            if not failing:
                continue
            digest = [gaps for _pk, gaps in failing]
            if user["is_active"] and fresh:
                notifications.append(_notification(user_id, digest))
            reason = email_outcome(user, partial(_digest, user, digest, templates), mailer,
                                   notifications, refused)
        outcome.setdefault(reason, []).append([pk for pk, _gaps in failing])
    Notification.objects.bulk_create(notifications, batch_size=CHUNK)
    _remember_refused(refused)
    result.notifications += len(notifications)
    _close(outcome, now, result)


def _split(rows, sections: _Sections, outcome) -> tuple[list[tuple[int, Gaps]], bool]:
    """A recipient's open deliveries with something failing (and whether one is new); those
    with nothing failing on their audit date are closed as all clear, without a digest."""
    failing, fresh = [], False
    for pk, _user, attempts, error, adoption_id, target in rows:
        gaps = sections.of(adoption_id, target)
        if not gaps.count:
            outcome.setdefault(ALL_CLEAR, []).append([pk])
            continue
        failing.append((pk, gaps))
        fresh |= attempts == 0 and not error
    return failing, fresh


def _close(outcome: dict[str, list[list[int]]], now, result: GapRunResult) -> None:
    """Record each delivery's outcome, count it in `result` (e-mails, or thresholds when all
    clear), and complete the thresholds whose deliveries are now all closed."""
    closed: list[int] = []
    for reason, groups in outcome.items():
        ids = [pk for group in groups for pk in group]
        for chunk in chunks(ids, ID_CHUNK):
            deliveries = AuditGapDelivery.objects.filter(pk__in=chunk)
            if reason in (SENT, ALL_CLEAR, *CLOSED_WITHOUT_EMAIL) or reason.startswith(
                    UNDELIVERABLE):
                tried = reason == SENT or reason.startswith(UNDELIVERABLE)
                deliveries.update(sent_at=now, last_error="" if reason == SENT else reason,
                                  attempts=F("attempts") + int(tried))
                closed += chunk
            else:  # a mail server failure: kept open for the next run
                deliveries.update(last_error=reason,
                                  attempts=F("attempts") + int(reason != DEFERRED))
        _count(reason, len(groups), result)
    still_open = AuditGapDelivery.objects.filter(reminder=OuterRef("pk"), sent_at__isnull=True)
    for chunk in chunks(closed, ID_CHUNK):
        reminders = AuditGapDelivery.objects.filter(pk__in=chunk).values("reminder_id")
        AuditGapReminder.objects.filter(pk__in=reminders, completed_at__isnull=True).filter(
            ~Exists(still_open)).update(completed_at=now)


def _count(reason: str, count: int, result: GapRunResult) -> None:
    if reason == SENT:
        result.emails_sent += count
    elif reason == ALL_CLEAR:
        result.all_clear += count
    elif reason == OPT_OUT:
        result.skipped_opt_out += count
    elif reason in CLOSED_WITHOUT_EMAIL:
        result.skipped_other += count
    elif reason.startswith(UNDELIVERABLE):
        result.undeliverable += count
    else:
        result.failed += count
