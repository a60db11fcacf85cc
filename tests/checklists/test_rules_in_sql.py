"""The checklist service applies the per-link rule in the database; the pure functions of
`checklists.readiness` are the specification. On a varied vault and several dates, both must
give the same status, reason, validity end, count and first evidence for every requirement."""

import datetime
import random

from checklists import readiness
from checklists.models import Adoption, EvidenceLink
from checklists.services import checklist
from evidence.file_checks import refresh_file_check
from evidence.models import EvidenceItem, Revision, StoredFile, VerificationStatus
from tests.factories import EvidenceFactory

from .conftest import make_referential

TODAY = datetime.date(2026, 11, 26)
NOW = datetime.datetime(2026, 11, 26, 9, tzinfo=datetime.UTC)


def _vault(org, user, requirements, size=160, seed=7):
    rng = random.Random(seed)
    month_ends = [datetime.date(2025, 1, 31), datetime.date(2025, 8, 31),
                  datetime.date(2026, 2, 28), datetime.date(2024, 2, 29)]
    for index in range(size):
        effective = rng.choice([TODAY - datetime.timedelta(days=rng.randint(-40, 900)),
                                rng.choice(month_ends)])
        valid_until = rng.choice([None, None, effective + datetime.timedelta(
            days=rng.randint(0, 800))])
        status = rng.choice(["approved"] * 5 + ["draft", "in_review", "archived"])
        evidence = EvidenceFactory(
            organization=org, created_by=user, status=status, effective_date=effective,
            valid_until=valid_until, kind=rng.choice(["record", "document"]),
            approved_at=NOW if status == "approved" else None,
            archived_at=NOW if status == "archived" else None, title=f"Preuve {index}")
        if rng.random() < 0.9:
            revision = Revision.objects.create(
                evidence=evidence, number=1, created_by=user,
                is_current=rng.random() < 0.85,
                verification_status=VerificationStatus.VERIFIED)
            if not revision.is_current:
                Revision.objects.filter(pk=revision.pk).update(
                    verification_status=rng.choice(["pending", "rejected", "verified"]))
            StoredFile.objects.create(
                organization=org, revision=revision, name="f.pdf", mime_type="application/pdf",
                size=1, sha256=f"{evidence.pk:064d}", storage_key=f"o/{org.pk}/{evidence.pk}",
                integrity_error=rng.random() < 0.05)
        for requirement in rng.sample(requirements, rng.choice([0, 1, 1, 2])):
            EvidenceLink.objects.get_or_create(evidence=evidence, requirement=requirement,
                                               defaults={"created_by": user})
    # As verification and the integrity sweep keep it; the reference below reads the revisions.
    refresh_file_check()


def _python_reference(adoption, requirement, on):
    facts = []
    for link in EvidenceLink.objects.filter(requirement=requirement).select_related("evidence"):
        evidence = link.evidence
        current = Revision.objects.filter(evidence=evidence, is_current=True).first()
        facts.append(readiness.EvidenceFacts(
            evidence.pk, evidence.title, evidence.status, evidence.kind,
            evidence.effective_date, evidence.valid_until,
            current is not None and current.verification_status == "verified",
            current is not None and current.files.filter(integrity_error=True).exists()))
    subject = readiness.RequirementFacts(requirement.pk, requirement.ref_id,
                                         requirement.renewal_months)
    return readiness.assess_requirement(subject, facts, on, adoption.warning_days)


DATES = [TODAY, TODAY + datetime.timedelta(days=120), datetime.date(2026, 2, 28),
         datetime.date(2025, 12, 31)]


def test_database_rule_equals_the_specification(org, qm):
    clauses = [("1", None, [], None)] + [
        (f"1.{n}", "1", ["retain"], months) for n, months in
        enumerate([None, 1, 12, 13, 24, None, 6, 36] * 5, start=1)]
    referential, requirements = make_referential(clauses=clauses)
    adoption = Adoption.objects.create(organization=org, referential=referential, adopted_by=qm,
                                       warning_days=45)
    leaves = [r for r in requirements.values() if r.parent_id]
    _vault(org, qm, leaves)
    assert EvidenceItem.objects.count() == 160

    compared = 0
    statuses, states = set(), set()
    for on in DATES:
        compared += _compare(adoption, on, statuses, states)
    assert compared == 40 * len(DATES)
    # the vault exercises the statuses and every evidence state
    assert statuses >= {"covered", "expiring", "expired", "pending", "missing"}
    assert states == set(readiness.EvidenceState.values)


def _compare(adoption, on, statuses, states) -> int:
    _on, rows = checklist.evaluate(adoption, on)
    compared = 0
    for row in rows:
        if not row.requirement.parent_id:
            continue
        expected = _python_reference(adoption, row.requirement, on)
        got = row.assessment
        assert (got.status, got.reason, got.valid_until, got.linked) == (
            expected.status, expected.reason, expected.valid_until, len(expected.evidence)
        ), row.requirement.ref_id
        ordered = sorted(expected.evidence, key=lambda item: (
            readiness.sort_key(item), -item.facts.evidence_id))
        assert [(i.facts.evidence_id, i.state, i.valid_end) for i in got.evidence] == [
            (i.facts.evidence_id, i.state, i.valid_end)
            for i in ordered[:checklist.EVIDENCE_SHOWN_PER_REQUIREMENT]], row.requirement.ref_id
        assert got.summaries == expected.summaries, row.requirement.ref_id
        compared += 1
        statuses.add(got.status.value)
        states.update(state.value for state in got.summaries)
    return compared
