"""What the workspace tests share: an audit of `org` on 10-11 February 2027, its auditor past
the second factor, and evidence made as the structure makes it (API upload, verification)."""

import datetime
import io

import time_machine
from rest_framework.test import APIClient

from audits.models import AuditorAccess, Engagement, EngagementKind
from checklists.models import Requirement
from checklists.services import links
from evidence.models import EvidenceItem, Revision
from evidence.verification import verify_revision
from tests.factories import UserFactory

FIRST_DAY, LAST_DAY = datetime.date(2027, 2, 10), datetime.date(2027, 2, 11)
DURING = datetime.datetime(2027, 2, 10, 9, tzinfo=datetime.UTC)


def at(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


def api_of(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_authenticate(user)
    return client


def new_version(qm, evidence_id: int, name: str, data: bytes) -> Revision:
    """A version uploaded and verified now (as the worker would, after the commit)."""
    handle = io.BytesIO(data)
    handle.name = name
    response = api_of(qm).post(f"/api/v1/evidence/{evidence_id}/revisions/",
                               {"files": [handle]}, format="multipart")
    assert response.status_code == 201, response.content
    verify_revision(response.json()["id"])
    return Revision.objects.get(pk=response.json()["id"])


def linked_evidence(qm, org, requirements, title: str, name="preuve.txt",
                    data: bytes | None = None) -> EvidenceItem:
    """An evidence item of `org` with one verified version, linked to `requirements`."""
    response = api_of(qm).post("/api/v1/evidence/", {
        "organization": org.pk, "title": title, "kind": "document",
        "effective_date": "2026-01-15", "renewal_months": 12}, format="json")
    assert response.status_code == 201, response.content
    evidence = EvidenceItem.objects.get(pk=response.json()["id"])
    new_version(qm, evidence.pk, name, data or f"{title}\n".encode())
    if requirements:
        links.link_many(qm, [evidence], list(requirements))
    return evidence


def requirement(referential, ref_id: str) -> Requirement:
    return Requirement.objects.get(referential=referential, ref_id=ref_id)


def audited_engagement(org, qm, iso) -> Engagement:
    """A surveillance audit of `org` on the referential `iso` (adopted), 10-11 February 2027."""
    engagement = Engagement.objects.create(
        organization=org, created_by=qm, kind=EngagementKind.SURVEILLANCE_1,
        start_date=FIRST_DAY, end_date=LAST_DAY, certification_body="AFNOR Certification")
    engagement.referentials.set([iso])
    return engagement


def auditor_of(engagement, qm, username="auditrice"):
    """An external auditor whose access is open from 1 December 2026 to 13 March 2027."""
    user = UserFactory(username=username)
    AuditorAccess.objects.create(engagement=engagement, user=user, granted_by=qm,
                                 starts_on=datetime.date(2026, 12, 1),
                                 ends_on=datetime.date(2027, 3, 13))
    return user
