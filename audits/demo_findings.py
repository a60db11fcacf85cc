"""The demo's internal audit and its findings (decision 0026), so that the findings pages, the
nonconformity log and the improvement plan show something at once: an internal audit four
months ago, audited by the quality manager, with a minor nonconformity answered and its plan
accepted (one action done, one to come, owned by the contributor), an opportunity for
improvement with its action, and a good practice. Idempotent, through the services."""

import datetime

from django.utils import timezone

from audit_prep.models import Membership, Organization
from audit_prep.roles import Role
from checklists.demo import DEMO_SLUG
from checklists.models import Adoption, Requirement

from . import answers, findings, services
from .models import Engagement, EngagementKind, Grade

FINDINGS = (
    ("minor_nc", "8.5.1", "Les bilans de fin de mission ne sont pas signés par les salariés "
                          "dans 3 dossiers sur 10 consultés."),
    ("improvement", "7.5.3", "Les fiches de suivi papier pourraient être numérisées au fil de "
                             "l'eau pour faciliter les recherches."),
    ("good_practice", "7.2", "Le parcours d'accueil des salariés en insertion est formalisé "
                             "et suivi pour chaque arrivée."),
)


def _requirement(referential, ref_id: str) -> int:
    found = Requirement.objects.filter(referential=referential, ref_id=ref_id).first()
    found = found or Requirement.objects.filter(referential=referential, assessable=True).first()
    assert found is not None
    return found.pk


def seed() -> None:
    """Record the internal audit and its findings once (nothing when it exists)."""
    organization = Organization.objects.filter(slug=DEMO_SLUG).first()
    adoption = (Adoption.objects.filter(organization=organization, referential__code="iso9001")
                .select_related("referential").first())
    members = {m.role: m.user for m in Membership.objects.filter(organization=organization)
               .select_related("user")}
    if (adoption is None or Role.QUALITY_MANAGER not in members
            or Engagement.objects.filter(organization=organization,
                                         kind=EngagementKind.INTERNAL).exists()):
        return
    qm = members[Role.QUALITY_MANAGER]
    owner = members.get(Role.CONTRIBUTOR, qm)
    today = timezone.localdate()
    start = today - datetime.timedelta(days=120)
    engagement = services.create_engagement(qm, organization, {
        "kind": EngagementKind.INTERNAL, "referentials": [adoption.referential],
        "start_date": start, "end_date": start + datetime.timedelta(days=1),
        "lead_auditor": f"{qm.first_name} {qm.last_name}".strip(),
        "scope": "7.2, 7.5, 8.5"})
    grades = dict(Grade.objects.filter(scale__organization=organization,
                                       scale__certification_body="").values_list("code", "pk"))
    published = [findings.publish(qm, findings.draft_finding(qm, engagement, {
        "grade": grades[code], "text": text,
        "requirements": [_requirement(adoption.referential, ref_id)]}))
        for code, ref_id, text in FINDINGS]
    nonconformity, improvement = published[0], published[1]
    answers.answer(qm, nonconformity, {
        "correction": "Les trois bilans ont été signés a posteriori.",
        "root_cause": "La signature du salarié n'était pas une étape de la procédure de fin "
                      "de mission."})
    done = answers.add_action(qm, nonconformity, {
        "description": "Ajouter la signature du salarié à la procédure de fin de mission",
        "owner": owner, "due_date": start + datetime.timedelta(days=30)})
    answers.update_action(qm, done, {"done_on": start + datetime.timedelta(days=21)})
    answers.add_action(qm, nonconformity, {
        "description": "Contrôler 10 dossiers de fin de mission pour vérifier l'efficacité",
        "owner": owner, "due_date": today + datetime.timedelta(days=10)})
    answers.submit(qm, nonconformity)
    findings.review(qm, nonconformity, accept=True, comment="Plan adapté.")
    answers.add_action(qm, improvement, {
        "description": "Numériser les fiches de suivi de l'année", "owner": owner,
        "due_date": today + datetime.timedelta(days=60)})
