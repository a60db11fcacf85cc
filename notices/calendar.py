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
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event

from audit_prep import access
from audit_prep.i18n import language_of
from audit_prep.roles import Action
from audit_prep.text import strip_unsafe
from audits.cycle import MilestoneState, milestones
from audits.models import Certificate, Engagement
from checklists.models import Adoption
from checklists.references import checklist_url, structure_url
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
             description: str, url: str, last_day: datetime.date | None = None) -> Event:
    """An event over whole days, from `day` to `last_day` included (one day by default). A
    one-day event is a due date, not a meeting: the person stays free; days of an audit are
    taken."""
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", (last_day or day) + ONE_DAY)
    event.add("summary", summary)
    event.add("description", description)
    event.add("url", url)
    event.add("transp", "TRANSPARENT" if last_day is None else "OPAQUE")
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
    url = checklist_url(adoption.pk, adoption.target_audit_date)
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


def engagements_in_feed(user, start: datetime.date, end: datetime.date) -> list[Engagement]:
    """The audits of `user`'s structures that take place in the window (two queries)."""
    visible = access.organization_ids(user, Action.VIEW)
    return list(Engagement.objects.filter(organization_id__in=visible, end_date__gte=start,
                                          start_date__lte=end)
                .select_related("organization").prefetch_related("referentials")
                .order_by("start_date", "id"))


def milestones_in_feed(user, start: datetime.date, end: datetime.date, today: datetime.date):
    """(certificate, milestone) of every audit a certificate of `user`'s structures needs and
    that no audit recorded yet answers, due in the window (two queries)."""
    visible = access.organization_ids(user, Action.VIEW)
    certificates = (Certificate.objects.filter(organization_id__in=visible, expiry_date__gte=start)
                    .select_related("organization", "referential")
                    .prefetch_related("engagements").order_by("decision_date", "id"))
    return [(certificate, milestone) for certificate in certificates
            for milestone in milestones(certificate, list(certificate.engagements.all()))
            if milestone.state(today) in (MilestoneState.TO_PLAN, MilestoneState.OVERDUE)
            and start <= milestone.due_by <= end]


def _engagement_event(engagement: Engagement, stamp: datetime.datetime) -> Event:
    url = structure_url(engagement.organization_id)
    values = {"kind": engagement.get_kind_display(),
              "referentials": ", ".join(referential.ref_id
                                        for referential in engagement.referentials.all()),
              "structure": strip_unsafe(engagement.organization.name, keep_lines=False),
              "body": strip_unsafe(engagement.certification_body, keep_lines=False)}
    summary = capfirst(_("%(kind)s %(referentials)s — %(structure)s") % values)
    event = _all_day(f"engagement-{engagement.pk}@audit-prep", engagement.start_date, stamp,
                     summary, summary + (f" ({values['body']})" if values["body"] else "")
                     + f"\n{url}", url, last_day=engagement.end_date)
    if engagement.updated_at:
        event.add("last-modified", engagement.updated_at)
    return event


def _milestone_event(certificate: Certificate, milestone, stamp: datetime.datetime) -> Event:
    url = structure_url(certificate.organization_id)
    values = {"kind": milestone.kind.label, "referential": certificate.referential.ref_id,
              "structure": strip_unsafe(certificate.organization.name, keep_lines=False),
              "body": strip_unsafe(certificate.certification_body, keep_lines=False)}
    return _all_day(
        f"certificate-{certificate.pk}-{milestone.kind}-{milestone.due_by.isoformat()}"
        "@audit-prep", milestone.due_by, stamp,
        capfirst(_("Deadline: %(kind)s %(referential)s — %(structure)s") % values),
        capfirst(_("%(kind)s of the %(referential)s certificate (%(body)s): it must take place "
                   "by this day and none is recorded yet; plan it with the certification body.")
                 % values)
        + f"\n{url}", url)


def feed_for(user, today: datetime.date | None = None) -> bytes:
    """`user`'s calendar, serialized as an RFC 5545 VCALENDAR in their preferred language."""
    today = today or timezone.localdate()
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
        engagements = engagements_in_feed(user, start, end)
        audit_days = {(engagement.organization_id, referential.pk, engagement.start_date)
                      for engagement in engagements
                      for referential in engagement.referentials.all()}
        for adoption in adoptions_in_feed(user, start, end):
            if (adoption.organization_id, adoption.referential_id,
                    adoption.target_audit_date) not in audit_days:  # else the audit is listed
                calendar.add_component(_audit_event(adoption, stamp, site))
        for engagement in engagements:
            calendar.add_component(_engagement_event(engagement, stamp))
        for certificate, milestone in milestones_in_feed(user, start, end, today):
            calendar.add_component(_milestone_event(certificate, milestone, stamp))
    return calendar.to_ical()
