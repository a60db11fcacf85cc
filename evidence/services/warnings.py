"""Warnings: what the person making a change should know, without refusing the change.

Each warning has a stable `code` for programs, a `message` in the request's language and
`details`; the API returns them beside the object (`warnings`), with the usual success status.
"""

from django.utils.translation import gettext as _

from ..models import EvidenceItem, EvidenceStatus

MAX_NAMED = 10


def title_warnings(evidence: EvidenceItem) -> list[dict]:
    """`duplicate_title` when another item of the structure, not archived, has the same title
    (compared without case; on SQLite, for ASCII letters only): two items with one title are
    hard to tell apart in a checklist, and a new version of a document is a revision."""
    same = list(
        EvidenceItem.objects.filter(organization_id=evidence.organization_id,
                                    title__iexact=evidence.title.strip())
        .exclude(pk=evidence.pk).exclude(status=EvidenceStatus.ARCHIVED)
        .order_by("pk").values_list("pk", flat=True)[:MAX_NAMED])
    if not same:
        return []
    return [{
        "code": "duplicate_title",
        "message": _("Another evidence item of this structure already has this title. To "
                     "record a new version of a document, add a revision to it instead."),
        "details": {"evidence": same},
    }]
