"""The demo structure's certification: its ISO 9001 certificate, decided nine months ago after
the initial audit, and its first surveillance audit planned on the demo's audit date (the
adoption's target date, three months ahead), with its evidence requests (`requests.demo`).
Idempotent, through the services."""

import datetime

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from audit_prep.models import Membership, Organization
from audit_prep.roles import Role
from checklists.demo import DEMO_SLUG
from checklists.models import Adoption

from . import services
from .models import Certificate, EngagementKind
from .requests import demo as request_demo

CERTIFICATION_BODY = "AFNOR Certification"


def seed() -> None:
    """Record the demo's certificate and audits once (nothing when it has a certificate)."""
    organization = Organization.objects.filter(slug=DEMO_SLUG).first()
    adoption = (Adoption.objects.filter(organization=organization, referential__code="iso9001")
                .select_related("referential").first())
    if adoption is None or Certificate.objects.filter(organization=organization).exists():
        return
    qm = Membership.objects.filter(organization=organization,
                                   role=Role.QUALITY_MANAGER).select_related("user").first()
    if qm is None:
        return
    decided = timezone.localdate() - datetime.timedelta(days=270)
    services.create_certificate(qm.user, organization, adoption.referential, {
        "certification_body": CERTIFICATION_BODY, "number": "FR-2026-00427",
        "decision_date": decided,
        "expiry_date": decided + relativedelta(years=3) - datetime.timedelta(days=1),
        "scope": "Mise à disposition de personnel auprès de particuliers, d'entreprises et de "
                 "collectivités ; accompagnement socioprofessionnel des salariés en parcours."})
    stage_2 = decided - datetime.timedelta(days=35)
    services.create_engagement(qm.user, organization, {
        "kind": EngagementKind.STAGE_2, "referentials": [adoption.referential],
        "start_date": stage_2, "end_date": stage_2 + datetime.timedelta(days=1),
        "certification_body": CERTIFICATION_BODY, "lead_auditor": "Claire Martin"})
    start = adoption.target_audit_date or timezone.localdate() + datetime.timedelta(days=90)
    surveillance = services.create_engagement(qm.user, organization, {
        "kind": EngagementKind.SURVEILLANCE_1, "referentials": [adoption.referential],
        "start_date": start, "end_date": start, "lead_auditor": "Claire Martin",
        "scope": "4.4, 7.2, 8.5, 9.2, 9.3, 10.2"})
    request_demo.seed(surveillance, qm.user)
