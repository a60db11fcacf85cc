"""What an engagement shows its auditor of the structure's vault (decision 0028): the evidence
linked to requirements of the engagement's referentials, each in the revision that was in force
on the audit date (its first day), with that revision's files. The one source for the
workspace's pages and its API: nothing of the vault reaches an auditor but through these query
sets (they hold no organization grant, `access.scope` shows them nothing). The sealed pack
names the same items (the links the checklist counts) in the same revisions (`in_force`).

The revision in force on a day is the one that was current at the end of that day: the
highest-numbered revision verified before the next midnight (verification is what makes a
revision current, decision 0006); the rule is `audits.in_force`, shared with the sealed
pack. An item with no verified revision by then is listed without files; a revision verified
later is not served, only mentioned (`later_revision`)."""

import datetime

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from checklists.models import EvidenceLink
from evidence.models import EvidenceItem, Revision, StoredFile, VerificationStatus

from . import in_force
from .models import Engagement


def audit_date(engagement: Engagement) -> datetime.date:
    """The date the auditor's checklist and evidence are read at: the audit's first day."""
    return engagement.start_date


def engagement_links(engagement: Engagement) -> QuerySet:
    """The structure's links to requirements (not retired) of the engagement's referentials:
    the same links the checklist counts."""
    return EvidenceLink.objects.filter(
        evidence__organization_id=engagement.organization_id,
        requirement__referential__in=engagement.referentials.values("pk"),
        requirement__retired_at__isnull=True)


def auditor_evidence(engagement: Engagement) -> QuerySet:
    """The evidence items the engagement's auditor sees, each annotated with the id and number
    of its revision in force on the audit date (`revision_in_force_id`,
    `revision_in_force_number`) and whether a later revision was verified since
    (`later_revision`); no revision in force: None. One query, whatever the number of
    items."""
    day = audit_date(engagement)
    verified = in_force.verified_by(day).filter(evidence=OuterRef("pk"))
    in_force_first = verified.order_by("-number")
    later = Revision.objects.filter(evidence=OuterRef("pk"),
                                    verification_status=VerificationStatus.VERIFIED,
                                    verified_at__gte=in_force.end_of(day))
    return (EvidenceItem.objects
            .filter(organization_id=engagement.organization_id,
                    pk__in=engagement_links(engagement).values("evidence_id"))
            .annotate(revision_in_force_id=Subquery(in_force_first.values("pk")[:1]),
                      revision_in_force_number=Subquery(in_force_first.values("number")[:1]),
                      later_revision=Exists(later)))


def revisions_in_force(engagement: Engagement) -> QuerySet:
    """The revisions in force on the audit date of the items `auditor_evidence` shows."""
    return Revision.objects.filter(
        pk__in=auditor_evidence(engagement).values("revision_in_force_id"))


def auditor_files(engagement: Engagement) -> QuerySet:
    """The stored files the auditor may preview and download: those of the revisions in force."""
    return StoredFile.objects.filter(revision__in=revisions_in_force(engagement))
