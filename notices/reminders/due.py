"""The due reminders: which thresholds are due (set-based, one query per distinct policy),
the `Reminder` rows recording them, the `ReminderDelivery` rows of their recipients, and closing
what became obsolete. Steps 1 and 2 of a run (see the package's docstring).

The date reminded is `EvidenceItem.validity_end`, the one validity rule's answer stored by the
checklists (`checklists.services.validity`, refreshed just before each run): the item's own end,
or the renewal period of the requirement it answers when it has none. Items replaced by a newer
counting item (`superseded`) are not reminded, and their open reminders are closed."""

from __future__ import annotations

import datetime

from django.db import NotSupportedError
from django.db.models import (
    Case,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast

from audit_prep.models import Membership
from audit_prep.roles import Role
from evidence.models import EvidenceItem, EvidenceStatus

from ..models import Reminder, ReminderDelivery, ReminderPolicy

CHUNK = 2000  # rows read or written per query
ID_CHUNK = 900  # ids per IN (...) list, under SQLite's historic limit of 999 parameters

# What a closed delivery's `last_error` says (`sent_at` set); DEFERRED leaves it open.
SENT = "sent"
OPT_OUT = "opt-out"
INACTIVE = "inactive"
NO_EMAIL = "no-email"
REFUSED_ADDRESS = "refused-address"  # the mail server refused this address for good earlier
OBSOLETE = "obsolete"
CLOSED_WITHOUT_EMAIL = (OPT_OUT, INACTIVE, NO_EMAIL, REFUSED_ADDRESS, OBSOLETE)
DEFERRED = "deferred: mail server unavailable"


class DaysUntil(Func):
    """Whole days from `today` to a date column: negative once the date is past."""

    output_field = IntegerField()

    def __init__(self, column: str, today: datetime.date):
        super().__init__(F(column), Cast(Value(today), DateField()))

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None,
               **extra_context):
        raise NotSupportedError("DaysUntil supports PostgreSQL and SQLite only.")

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="(%(expressions)s)",
                              arg_joiner=" - ", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection,
                              template="CAST(julianday(%(expressions)s) AS INTEGER)",
                              arg_joiner=") - julianday(", **extra)


def _clean_leads(value) -> tuple[int, ...]:
    leads = {n for n in value or () if isinstance(n, int) and 0 <= n <= 365}
    return tuple(sorted(leads, reverse=True)) or tuple(ReminderPolicy().lead_days)


class Policies:
    """Each structure's policy, the defaults for structures without one (nothing written)."""

    def __init__(self):
        self.default = ReminderPolicy()
        self.by_org = {p.organization_id: p for p in ReminderPolicy.objects.all()}

    def of(self, organization_id: int) -> ReminderPolicy:
        return self.by_org.get(organization_id, self.default)

    def groups(self):
        """(lead days, weekly while overdue, structure filter), one per distinct setting."""
        key = lambda p: (_clean_leads(p.lead_days), p.overdue_weekly)  # noqa: E731
        members: dict[tuple, list[int]] = {}
        for org_id, policy in self.by_org.items():
            members.setdefault(key(policy), []).append(org_id)
        default_key = key(self.default)
        members.setdefault(default_key, [])
        for (leads, weekly), org_ids in members.items():
            where = Q(organization_id__in=org_ids)
            if (leads, weekly) == default_key:
                where |= ~Q(organization_id__in=list(self.by_org))
            yield leads, weekly, where


def due_thresholds(days_left: int, leads: tuple[int, ...], weekly: bool) -> list[int]:
    """Every threshold due for an item `days_left` days from its end (negative: overdue)."""
    due = [n for n in leads if days_left <= n]
    if weekly and days_left <= -7:
        due += [-7 * k for k in range(1, -days_left // 7 + 1)]
    return due


def _most_urgent_due(leads: tuple[int, ...], weekly: bool):
    """SQL for the most urgent due threshold of each item, given its `days_left` annotation."""
    whens = []
    if weekly:
        whens.append(When(days_left__lte=-7,
                          then=Value(-7) * ((Value(0) - F("days_left")) / Value(7))))
    whens += [When(days_left__lte=n, then=Value(n)) for n in sorted(leads)]
    return Case(*whens, output_field=IntegerField())


def record_due(today: datetime.date, now, policies: Policies) -> int:
    """Insert the due thresholds not recorded yet and the deliveries of the most urgent
    one per item; return the number of `Reminder` rows created."""
    before = Reminder.objects.aggregate(last=Max("pk"))["last"] or 0
    for leads, weekly, where in policies.groups():
        same_date = Reminder.objects.filter(evidence=OuterRef("pk"),
                                            valid_until=OuterRef("validity_end"))
        candidates = (
            EvidenceItem.objects.filter(where, validity_end__isnull=False, superseded=False,
                                        validity_end__lte=today + datetime.timedelta(max(leads)))
            .exclude(status=EvidenceStatus.ARCHIVED)
            .annotate(days_left=DaysUntil("validity_end", today))
            .annotate(due=_most_urgent_due(leads, weekly))
            .filter(~Exists(same_date.filter(threshold=OuterRef("due"))))
            .annotate(recorded=Subquery(same_date.order_by("threshold").values("threshold")[:1]),
                      owner_ok=Exists(Membership.objects.filter(
                          user=OuterRef("owner"), organization=OuterRef("organization"),
                          user__is_active=True)))
            .order_by("pk")
        )
        managers = _quality_managers(where)
        last = 0
        while rows := list(candidates.filter(pk__gt=last).values_list(
                "pk", "validity_end", "owner_id", "organization_id", "owner_ok",
                "recorded")[:CHUNK]):
            first, last = rows[0][0], rows[-1][0]
            rows_due = []
            for pk, valid_until, _owner, org_id, _ok, recorded in rows:
                assert valid_until is not None  # the candidates have a validity end
                days_left = (valid_until - today).days
                # Thresholds less urgent than one already recorded were recorded with it.
                due = [t for t in due_thresholds(days_left, leads, weekly)
                       if recorded is None or t < recorded]
                if not due:  # a more urgent one is recorded already (lead times changed)
                    continue
                urgent = min(due)
                escalate = -days_left >= policies.of(org_id).escalate_after_days
                # The less urgent ones are recorded as done: one line, never a burst.
                rows_due += [Reminder(evidence_id=pk, valid_until=valid_until, threshold=t,
                                    escalated=escalate and t == urgent,
                                    completed_at=None if t == urgent else now) for t in due]
            Reminder.objects.bulk_create(rows_due, ignore_conflicts=True, batch_size=CHUNK)
            _create_deliveries(rows, first, last, before, now, managers)
    return Reminder.objects.filter(pk__gt=before).count()


def _create_deliveries(rows, first, last, before, now, managers) -> None:
    """Recipients of the reminders just inserted for `rows`, re-read from the table: the
    unique constraint decides which rows are this run's."""
    items = {row[0]: row[2:5] for row in rows}  # pk: (owner, organization, owner is member)
    new = Reminder.objects.filter(
        pk__gt=before, completed_at__isnull=True, evidence_id__gte=first, evidence_id__lte=last,
    ).annotate(more_urgent=Exists(Reminder.objects.filter(
        evidence=OuterRef("evidence"), valid_until=OuterRef("valid_until"),
        threshold__lt=OuterRef("threshold")))
    ).values_list("pk", "evidence_id", "escalated", "more_urgent")
    deliveries, done = [], []
    for pk, evidence_id, escalated, more_urgent in new:
        if evidence_id not in items:
            continue  # another policy group's item in the same id range
        if more_urgent:  # recorded meanwhile by a concurrent run: nothing to send
            done.append(pk)
            continue
        owner_id, org_id, owner_ok = items[evidence_id]
        org_managers = managers.get(org_id, [])
        recipients = {owner_id} if owner_ok else set(org_managers)
        if escalated:
            recipients.update(org_managers)
        if not recipients:  # no owner and no quality manager: nobody to tell
            done.append(pk)
        deliveries += [ReminderDelivery(reminder_id=pk, user_id=u) for u in recipients]
    ReminderDelivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=CHUNK)
    for ids in chunks(done, ID_CHUNK):
        Reminder.objects.filter(pk__in=ids).update(completed_at=now)


def close_obsolete(now) -> None:
    """Open reminders of an item since archived, renewed (another end of validity) or replaced
    by a newer item are dropped, unsent."""
    stale = (Q(evidence__status=EvidenceStatus.ARCHIVED) | Q(evidence__superseded=True)
             | Q(evidence__validity_end__isnull=True)
             | ~Q(valid_until=F("evidence__validity_end")))
    reminders = Reminder.objects.filter(stale, completed_at__isnull=True)
    ReminderDelivery.objects.filter(sent_at__isnull=True, reminder__in=reminders).update(
        sent_at=now, last_error=OBSOLETE)
    reminders.update(completed_at=now)


def _quality_managers(structures: Q) -> dict[int, list[int]]:
    """Active quality managers of the structures matched by `structures` (on organization_id)."""
    managers: dict[int, list[int]] = {}
    rows = Membership.objects.filter(
        structures, role=Role.QUALITY_MANAGER, user__is_active=True
    ).order_by("organization_id", "user_id").values_list("organization_id", "user_id")
    for org_id, user_id in rows:
        managers.setdefault(org_id, []).append(user_id)
    return managers


def complete_reminders(user_ids, now) -> None:
    """Reminders whose deliveries are now all closed, among those these users just closed."""
    touched = ReminderDelivery.objects.filter(user_id__in=user_ids, sent_at=now)
    still_open = ReminderDelivery.objects.filter(reminder=OuterRef("pk"), sent_at__isnull=True)
    Reminder.objects.filter(completed_at__isnull=True, pk__in=touched.values("reminder_id"),
                            ).filter(~Exists(still_open)).update(completed_at=now)


def chunks(items, size):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]
