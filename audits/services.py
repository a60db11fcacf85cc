"""Recording a structure's certificates and audits. Each change is checked against the
structure's adopted referentials, written with its audit-trail event, and keeps the adoptions'
target audit dates on the next planned audit, so that the countdown, the gap digests and the
calendar already built on that date follow the audits recorded here."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from audit_prep import access, audit
from audit_prep.api.errors import Conflict
from audit_prep.roles import Action
from checklists.models import Adoption
from checklists.services import tailoring

from . import auditor_services
from .models import CERTIFICATION_KINDS, Certificate, Engagement, EngagementKind

CERTIFICATE_FIELDS = ("certification_body", "number", "decision_date", "expiry_date", "scope")
ENGAGEMENT_FIELDS = ("kind", "certificate", "start_date", "end_date", "certification_body",
                     "lead_auditor", "scope")
# Audits that maintain or renew a certificate, and so are matched with one.
MAINTAINING_KINDS = (EngagementKind.SURVEILLANCE_1, EngagementKind.SURVEILLANCE_2,
                     EngagementKind.RENEWAL)


def _require_adopted(organization_id: int, referential_ids, field: str) -> None:
    adopted = set(Adoption.objects.filter(organization_id=organization_id,
                                          referential_id__in=referential_ids)
                  .values_list("referential_id", flat=True))
    if set(referential_ids) - adopted:
        raise ValidationError({field: [_("The structure does not follow this referential: "
                                         "adopt it first.")]}, code="referential_not_adopted")


def _certificate_facts(certificate: Certificate) -> dict:
    return {name: getattr(certificate, name) for name in CERTIFICATE_FIELDS}


def _already_recorded() -> Conflict:
    return Conflict(_("A certificate for this referential with this decision date is already "
                      "recorded."), code="certificate_exists")


def create_certificate(actor, organization, referential, data: dict) -> Certificate:
    access.require(actor, Action.MANAGE_AUDITS, organization.pk)
    _require_adopted(organization.pk, [referential.pk], "referential")
    try:
        with transaction.atomic():
            certificate = Certificate.objects.create(
                organization=organization, referential=referential, created_by=actor,
                **{name: data[name] for name in CERTIFICATE_FIELDS if name in data})
            audit.record(actor, "certificate.create", certificate,
                         after={"referential": referential.urn, **_certificate_facts(certificate)})
    except IntegrityError as exc:
        raise _already_recorded() from exc
    return certificate


def update_certificate(actor, certificate: Certificate, data: dict) -> Certificate:
    access.require(actor, Action.MANAGE_AUDITS, certificate.organization_id)
    try:
        with transaction.atomic():
            certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
            before = _certificate_facts(certificate)
            for name in CERTIFICATE_FIELDS:
                if name in data:
                    setattr(certificate, name, data[name])
            certificate.save()
            audit.record(actor, "certificate.update", certificate, before=before,
                         after=_certificate_facts(certificate))
    except IntegrityError as exc:
        raise _already_recorded() from exc
    return certificate


def _matching_certificate(engagement: Engagement, referential_ids) -> Certificate | None:
    """The certificate a surveillance or renewal audit maintains: the latest one decided
    before the audit for one of its referentials."""
    return (Certificate.objects.filter(organization_id=engagement.organization_id,
                                       referential_id__in=referential_ids,
                                       decision_date__lte=engagement.start_date)
            .order_by("-decision_date", "-id").first())


def _check_engagement(engagement: Engagement, referential_ids) -> None:
    _require_adopted(engagement.organization_id, referential_ids, "referentials")
    certificate = engagement.certificate
    if certificate is not None and (certificate.organization_id != engagement.organization_id
                                    or certificate.referential_id not in referential_ids):
        raise ValidationError({"certificate": [_("This certificate is not one of this audit's "
                                                 "referentials.")]}, code="certificate_mismatch")
    if engagement.kind in CERTIFICATION_KINDS and not engagement.certification_body:
        raise ValidationError({"certification_body": [_(
            "Name the certification body that runs this audit.")]},
            code="certification_body_required")


def _engagement_facts(engagement: Engagement, referential_ids) -> dict:
    facts = {name: getattr(engagement, name) for name in ENGAGEMENT_FIELDS if name != "certificate"}
    return {**facts, "certificate": engagement.certificate_id,
            "referentials": sorted(referential_ids)}


def _save_engagement(actor, engagement: Engagement, data: dict, referential_ids, event: str,
                     before=None, former_start=None) -> Engagement:
    for name in ENGAGEMENT_FIELDS:
        if name in data:
            setattr(engagement, name, data[name])
    if engagement.kind in MAINTAINING_KINDS and engagement.certificate is None:
        engagement.certificate = _matching_certificate(engagement, referential_ids)
    if not engagement.certification_body and engagement.certificate is not None:
        engagement.certification_body = engagement.certificate.certification_body
    _check_engagement(engagement, referential_ids)
    with transaction.atomic():
        engagement.save()
        engagement.referentials.set(referential_ids)
        audit.record(actor, event, engagement, before=before,
                     after=_engagement_facts(engagement, referential_ids))
        follow_next_audit(actor, engagement.organization_id, referential_ids, former_start)
    return engagement


def create_engagement(actor, organization, data: dict) -> Engagement:
    access.require(actor, Action.MANAGE_AUDITS, organization.pk)
    referential_ids = [referential.pk for referential in data["referentials"]]
    engagement = Engagement(organization=organization, created_by=actor)
    return _save_engagement(actor, engagement, data, referential_ids, "engagement.create")


def update_engagement(actor, engagement: Engagement, data: dict) -> Engagement:
    access.require(actor, Action.MANAGE_AUDITS, engagement.organization_id)
    before_ids = list(engagement.referentials.values_list("pk", flat=True))
    before = _engagement_facts(engagement, before_ids)
    referential_ids = ([referential.pk for referential in data["referentials"]]
                       if "referentials" in data else before_ids)
    engagement = _save_engagement(actor, engagement, data, referential_ids, "engagement.update",
                                  before, former_start=before["start_date"])
    follow_next_audit(actor, engagement.organization_id, set(before_ids) - set(referential_ids),
                      former_start=before["start_date"])
    return engagement


def cancel_engagement(actor, engagement: Engagement) -> None:
    """Remove an audit that has not started (one that took place, or that a pack sealed, stays
    on record)."""
    access.require(actor, Action.MANAGE_AUDITS, engagement.organization_id)
    if engagement.start_date <= timezone.localdate():
        raise Conflict(_("This audit has started or taken place: it stays on record."),
                       code="engagement_started")
    if engagement.findings.exists():
        raise Conflict(_("Findings are recorded for this audit: it stays on record."),
                       code="engagement_has_findings")
    if engagement.packs.exists():
        raise Conflict(_("This audit is sealed in a pack: it stays on record."),
                       code="engagement_sealed")
    referential_ids = list(engagement.referentials.values_list("pk", flat=True))
    with transaction.atomic():
        auditor_services.drop_with_engagement(actor, engagement)
        audit.record(actor, "engagement.cancel", engagement,
                     before=_engagement_facts(engagement, referential_ids))
        former_start = engagement.start_date
        engagement.delete()
        follow_next_audit(actor, engagement.organization_id, referential_ids, former_start)


def follow_next_audit(actor, organization_id: int, referential_ids,
                      former_start: datetime.date | None = None) -> None:
    """Set each adoption's target audit date to the first day of the next audit recorded for
    its referential (today or later). A date the structure set itself is kept while it is still
    ahead and no audit is recorded before it; the date of an audit that was moved or cancelled
    (`former_start`) follows the next audit, or is cleared when none is recorded."""
    today = timezone.localdate()
    upcoming = dict(Engagement.objects.filter(
        organization_id=organization_id, referentials__in=referential_ids, start_date__gte=today)
        .values("referentials").annotate(first=Min("start_date")).values_list("referentials",
                                                                              "first"))
    for adoption in Adoption.objects.filter(organization_id=organization_id,
                                            referential_id__in=referential_ids):
        next_start: datetime.date | None = upcoming.get(adoption.referential_id)
        target = adoption.target_audit_date
        if next_start is None:
            follows = target is not None and target == former_start  # that audit is gone
        else:
            follows = (target is None or target < today or target == former_start
                       or target > next_start)
        if follows and next_start != target:
            tailoring.update_adoption(actor, adoption, {"target_audit_date": next_start})
