"""An engagement's access log, for its structure's quality managers: every audit-trail event of
the engagement's auditors (what they saw, downloaded and wrote, recorded with `"engagement"` in
`after`) and every change to their invitations and accesses, oldest first, as CSV for a French
spreadsheet (UTF-8 with a byte order mark, semicolons, formulas defused)."""

import csv
from collections.abc import Iterator

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit_prep import access
from audit_prep.models import AuditEvent
from audit_prep.roles import Action
from checklists.exports.csv_file import csv_safe

from .models import AuditorAccess, Engagement

# What the quality managers and the invitees do to the auditors' invitations and accesses.
ACCESS_ACTIONS = ("auditor_invitation.", "auditor_access.")
CHUNK = 500


def events(actor, engagement: Engagement) -> QuerySet:
    """The engagement's access log (quality managers of its structure only)."""
    access.require(actor, Action.MANAGE_AUDITS, engagement.organization_id)
    auditors = AuditorAccess.objects.filter(engagement=engagement).values("user_id")
    by_access = Q()
    for prefix in ACCESS_ACTIONS:
        by_access |= Q(action__startswith=prefix)
    return (AuditEvent.objects
            .filter(Q(actor_id__in=auditors) | by_access,
                    organization_id=engagement.organization_id,
                    after__engagement=engagement.pk)
            .order_by("created_at", "id"))


class _Line:
    """A file-like object that hands back what the CSV writer writes."""

    def write(self, text: str) -> str:
        return text


def csv_lines(queryset: QuerySet) -> Iterator[str]:
    """The log as CSV lines, read from the database in chunks (never all in memory)."""
    writer = csv.writer(_Line(), delimiter=";")
    yield "\ufeff" + writer.writerow([
        _("When"), _("Who"), _("What"), _("Object type"), _("Object id"), _("Object"),
        _("Request id")])
    for event in queryset.iterator(chunk_size=CHUNK):
        yield writer.writerow([csv_safe(value) for value in (
            timezone.localtime(event.created_at).isoformat(timespec="seconds"),
            event.actor_label, event.action, event.object_type, event.object_id,
            event.object_repr, event.request_id)])


def file_name(engagement: Engagement) -> str:
    return f"access-log-audit-{engagement.pk}-{engagement.start_date.isoformat()}.csv"
