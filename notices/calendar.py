"""A person's iCalendar feed (RFC 5545): the expiry dates of the evidence they look after and
the target audit dates of their structures, for Outlook, Thunderbird or Google Calendar to
subscribe to through a secret URL (`feed_url`; the feed is served by `notices.views`).

Which evidence: in a structure where the person is quality manager (may approve), all of the
structure's evidence; where they are contributor or viewer, only the evidence they own. Archived
evidence, and evidence replaced by a newer item, is left out. The date is the end of validity
as the one rule gives it (`EvidenceItem.validity_end`, stored by `checklists.services.validity`:
the item's own end, or the renewal period of the requirement it answers when it has none).
Audit dates: every adoption with a target date in every structure the person belongs to. Only
dates from one year ago to three years ahead are listed, and each kind is read in one query
whatever the number of items.

Every event is all-day (DTSTART;VALUE=DATE, DTEND the next day) and has a stable UID built from
the object and its date: renewing an evidence (a new end of validity) makes a new event and the
old one disappears from the feed, so subscribed calendars update cleanly.
"""

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event

from audit_prep import access
from audit_prep.i18n import language_of
from audit_prep.roles import Action
from audit_prep.text import strip_unsafe
from checklists.models import Adoption
from evidence.models import EvidenceItem, EvidenceStatus
from evidence.references import evidence_path

PRODID = "-//audit-prep//calendar//FR"
REFRESH = datetime.timedelta(hours=1)
REMINDER_BEFORE = datetime.timedelta(days=7)
YEARS_BACK = 1
YEARS_AHEAD = 3
ONE_DAY = datetime.timedelta(days=1)
# Quality managers see every evidence of their structure in their calendar; this action is
# theirs alone (contributors and viewers get only the evidence they own).
WHOLE_STRUCTURE_ACTION = Action.APPROVE


def _shift_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def feed_url(token: str) -> str:
    """The secret address of the feed whose token is `token`."""
    return f"{settings.SITE_URL}/calendar/{token}.ics"


def window(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """First and last date (inclusive) listed in a feed."""
    today = today or timezone.localdate()
    return _shift_years(today, -YEARS_BACK), _shift_years(today, YEARS_AHEAD)


def evidence_in_feed(user, start: datetime.date, end: datetime.date):
    """The evidence whose end of validity appears in `user`'s feed (one query)."""
    visible = access.organization_ids(user, Action.VIEW)
    whole = access.organization_ids(user, WHOLE_STRUCTURE_ACTION) & visible
    owned_only = visible - whole
    if not visible:
        return EvidenceItem.objects.none()
    return (
        EvidenceItem.objects.filter(
            Q(organization_id__in=whole) | Q(organization_id__in=owned_only, owner=user),
            validity_end__range=(start, end), superseded=False,
        )
        .exclude(status=EvidenceStatus.ARCHIVED)
        .select_related("organization")
        .only("id", "title", "validity_end", "updated_at", "organization__name")
        .order_by("validity_end", "id")
    )


def adoptions_in_feed(user, start: datetime.date, end: datetime.date):
    """The adoptions whose target audit date appears in `user`'s feed (one query)."""
    visible = access.organization_ids(user, Action.VIEW)
    if not visible:
        return Adoption.objects.none()
    return (
        Adoption.objects.filter(organization_id__in=visible, target_audit_date__range=(start, end))
        .select_related("organization", "referential")
        .only("id", "target_audit_date", "organization__name", "referential__ref_id")
        .order_by("target_audit_date", "id")
    )


def _all_day(uid: str, day: datetime.date, stamp: datetime.datetime, summary: str,
             description: str, url: str) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + ONE_DAY)
    event.add("summary", summary)
    event.add("description", description)
    event.add("url", url)
    event.add("transp", "TRANSPARENT")  # a due date, not a meeting: the person stays free
    return event


def _evidence_event(item: EvidenceItem, stamp: datetime.datetime, site: str) -> Event:
    url = f"{site}{evidence_path(item.pk)}"
    values = {"title": strip_unsafe(item.title, keep_lines=False),
              "structure": strip_unsafe(item.organization.name, keep_lines=False)}
    summary = _("Expiry: %(title)s (%(structure)s)") % values
    day = item.validity_end
    assert day is not None  # the feed lists evidence with a validity end only
    event = _all_day(
        f"evidence-{item.pk}-{day.isoformat()}@audit-prep", day, stamp,
        summary,
        _("The evidence “%(title)s” of %(structure)s reaches the end of its validity on this "
          "day: renew it before then.") % values + f"\n{url}",
        url,
    )
    if item.updated_at:
        event.add("last-modified", item.updated_at)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -REMINDER_BEFORE)
    alarm.add("description", summary)
    event.add_component(alarm)
    return event


def _audit_event(adoption: Adoption, stamp: datetime.datetime, site: str) -> Event:
    url = f"{site}/api/v1/adoptions/{adoption.pk}/"
    values = {"referential": adoption.referential.ref_id,
              "structure": strip_unsafe(adoption.organization.name, keep_lines=False)}
    day = adoption.target_audit_date
    assert day is not None  # the feed lists adoptions with a target audit date only
    return _all_day(
        f"adoption-{adoption.pk}-{day.isoformat()}@audit-prep", day, stamp,
        _("Audit %(referential)s — %(structure)s") % values,
        _("Target audit date for %(referential)s at %(structure)s.") % values + f"\n{url}",
        url,
    )


def feed_for(user, today: datetime.date | None = None) -> bytes:
    """`user`'s calendar, serialized as an RFC 5545 VCALENDAR in their preferred language."""
    start, end = window(today)
    stamp = timezone.now().astimezone(datetime.UTC).replace(microsecond=0)
    site = settings.SITE_URL
    with translation.override(language_of(user)):
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        name = _("audit-prep — expiry and audit dates")
        calendar.add("name", name)  # RFC 7986
        calendar.add("x-wr-calname", name)  # Outlook, Google Calendar, Apple
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})  # RFC 7986
        calendar.add("x-published-ttl", "PT1H")  # Outlook
        for item in evidence_in_feed(user, start, end):
            calendar.add_component(_evidence_event(item, stamp, site))
        for adoption in adoptions_in_feed(user, start, end):
            calendar.add_component(_audit_event(adoption, stamp, site))
    return calendar.to_ical()
