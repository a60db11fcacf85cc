"""The demo's population: employees in an insertion pathway whose PASS IAE the French
regulatory list checks one by one, so that the checklist shows who is missing or expiring.
Added once (when the structure keeps no population yet), like the rest of the demo."""

import datetime
import tempfile
from pathlib import Path

from django.utils import timezone

from evidence import services as evidence_services
from evidence.local_files import LocalUpload
from evidence.models import EvidenceItem, EvidenceKind
from populations.models import Population, PopulationKind
from populations.services import evidence_members, members

from .models import Adoption, Referential, Requirement
from .services import links, tailoring

# (reference, initials, days since entry, days since exit or None, PASS: days until its end or
# None when the structure has not filed it). Internal numbers and initials only: the demo, like
# the product, keeps no names.
EMPLOYEES = [
    ("2025-014", "AB", 420, None, 310),
    ("2025-021", "KD", 380, None, 350),
    ("2025-033", "MT", 300, None, 430),
    ("2025-038", "SL", 260, None, 20),     # expires within the warning window
    ("2026-002", "YB", 150, None, None),   # no PASS on file: missing
    ("2026-007", "FG", 90, None, 640),
    ("2026-011", "NC", 40, None, None),    # newcomer, PASS not filed yet: missing
    ("2024-052", "RH", 700, 60, None),     # left two months ago: no longer counted
]


def seed_population(org, qm, write_pdf) -> None:
    """Adopt the French regulatory list, record the employees in pathway and file the PASS
    IAE of those who have one (approved, linked to the requirement, naming the employee)."""
    if Population.objects.filter(organization=org).exists():
        return
    regulatory = Referential.objects.get(code="fr-siae-regulatory", organization__isnull=True)
    if not Adoption.objects.filter(organization=org, referential=regulatory).exists():
        tailoring.adopt(qm, org, regulatory, target_audit_date=timezone.localdate()
                        + datetime.timedelta(days=90))
    requirement = Requirement.objects.get(referential=regulatory, ref_id="PASS-IAE")
    population = members.create_population(qm, org, PopulationKind.EMPLOYEES_IN_PATHWAY)
    today = timezone.localdate()
    with tempfile.TemporaryDirectory() as tmp_name:
        for reference, initials, entered, left, pass_end in EMPLOYEES:
            member = members.create_member(qm, population, {
                "reference": reference, "initials": initials,
                "entry_date": today - datetime.timedelta(days=entered),
                "exit_date": today - datetime.timedelta(days=left) if left else None})
            if pass_end is None:
                continue
            path = write_pdf(Path(tmp_name) / f"pass-iae-{reference}.pdf",
                             f"PASS IAE — salarié {reference}", [
                                 f"Salarié en parcours {reference} ({initials}).",
                                 "Agrément délivré par la plateforme de l'inclusion.",
                             ])
            evidence = _pass_iae(qm, org, reference, today, entered, pass_end, path)
            links.link_many(qm, [evidence], [requirement])
            evidence_members.set_members(qm, evidence, [member])


def _pass_iae(qm, org, reference, today, entered, pass_end, path) -> EvidenceItem:
    with LocalUpload(path) as upload:
        evidence = evidence_services.create_evidence(qm, org, {
            "title": f"PASS IAE {reference}", "kind": EvidenceKind.RECORD,
            "effective_date": today - datetime.timedelta(days=entered),
            "valid_until": today + datetime.timedelta(days=pass_end),
            "tags": ["PASS IAE"]}, uploads=[upload], note="PASS IAE (démo)")
    return evidence_services.approve(qm, evidence)
