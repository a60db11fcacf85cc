"""A structure's audit with real evidence for the pack tests: files uploaded through the API,
verified by the pipeline, approved and linked to requirements of the audited referential."""

import datetime

from audits import services as audits
from audits.models import Engagement, EngagementKind
from checklists.services import links
from evidence.models import EvidenceItem
from evidence.services import evidence as evidence_services
from tests.conftest import upload

AUDIT_START = datetime.date(2027, 2, 10)
PROCEDURE = ("procedure-accueil.txt", b"Procedure d'accueil des salaries en parcours.\n")
REVIEW = ("revue-direction.txt", b"Compte rendu de la revue de direction 2026.\n")
REVIEW_V2 = ("revue-direction-v2.txt", b"Compte rendu de la revue de direction, corrige.\n")


def engagement(qm, org, iso, start=AUDIT_START) -> Engagement:
    return audits.create_engagement(qm, org, {
        "kind": EngagementKind.SURVEILLANCE_1, "referentials": [iso],
        "start_date": start, "end_date": start + datetime.timedelta(days=1),
        "certification_body": "AFNOR Certification", "lead_auditor": "Claire Martin"})


def proof(api, capture, qm, org, title, requirements, *files) -> EvidenceItem:
    """An approved item with one verified revision holding `files`, linked to
    `requirements`."""
    response = api.post("/api/v1/evidence/", {
        "organization": org.pk, "title": title, "kind": "document",
        "effective_date": "2026-01-15"}, format="json")
    assert response.status_code == 201, response.content
    evidence = EvidenceItem.objects.get(pk=response.json()["id"])
    add_revision(api, capture, evidence, *files)
    evidence_services.approve(qm, evidence)
    links.link_many(qm, [evidence], requirements)
    return evidence


def add_revision(api, capture, evidence, *files):
    with capture(execute=True):
        response = upload(api, evidence.pk, *files)
    assert response.status_code == 201, response.content
    return response.json()
