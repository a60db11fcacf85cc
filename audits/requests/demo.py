"""The demo audit's evidence requests: three documents asked before the surveillance audit,
one still to answer, one being answered (with a word on the internal thread), one answered
with evidence of the vault and submitted to the auditor. Called by `audits.demo.seed` when it
plans the audit, through the services."""

import datetime

from audit_prep.models import Membership
from audit_prep.roles import Role
from checklists.models import EvidenceLink

from ..models import Engagement
from . import services, threads

ASKED = (
    ("7.2", "Plan de formation 2027 et suivi des formations des encadrants techniques", 30),
    ("9.2", "Programme d'audit interne et derniers rapports d'audit", 45),
    ("9.3", "Compte rendu de la dernière revue de direction", 60),
)


def seed(engagement: Engagement, qm) -> None:
    """The three requests (nothing when the audit already has requests)."""
    if engagement.evidence_requests.exists():
        return
    contributor = (Membership.objects.filter(organization_id=engagement.organization_id,
                                             role=Role.CONTRIBUTOR)
                   .select_related("user").first())
    assignee = contributor.user if contributor else qm
    requirements = {requirement.ref_id: requirement for requirement in
                    services.engagement_requirements(engagement).filter(
                        ref_id__in=[ref for ref, _asked, _days in ASKED])}
    created = []
    for ref, asked, days in ASKED:
        if ref in requirements:
            created.append(services.create_request(qm, engagement, {
                "requirements": [requirements[ref]], "asked": asked, "assignee": assignee,
                "due_date": engagement.start_date - datetime.timedelta(days=days)}))
    if len(created) < len(ASKED):
        return
    threads.post_message(assignee, created[1], "internal",
                         "Je rassemble les rapports 2026 ; celui des achats est à signer.")
    link = (EvidenceLink.objects.filter(evidence__organization_id=engagement.organization_id,
                                        requirement__ref_id__startswith="9.3")
            .exclude(evidence__status="archived").select_related("evidence").first())
    if link is not None:
        services.add_answer(qm, created[2], link.evidence)
        services.submit(qm, created[2])
