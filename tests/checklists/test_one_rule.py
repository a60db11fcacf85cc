"""The checklist applies the one readiness rule (`checklists.readiness`) to facts it reads in
one query. On a varied vault and several dates, it must give, for every requirement, what the
rule gives on facts gathered independently here, one object at a time (the current revision and
its files read directly, not the evidence's `file_check`): the same status, reason, validity
end, count, first evidence and per-state summaries; and still after each kind of write the
application makes (ORM saves, set-based updates, bulk inserts)."""

import datetime
import random

from checklists import readiness
from checklists.models import Adoption, EvidenceLink, Exclusion
from checklists.services import checklist
from evidence.file_checks import refresh_file_check
from evidence.models import EvidenceItem, Revision, StoredFile, VerificationStatus
from tests.factories import EvidenceFactory, evidence_with_file

from .conftest import make_referential

TODAY = datetime.date(2026, 11, 26)
NOW = datetime.datetime(2026, 11, 26, 9, tzinfo=datetime.UTC)


def _vault(org, user, requirements, size=160, seed=7):
    """Random evidence with 0 to 2 links each; the first two requirements also get about a
    third of it, so that more than the shown number compete in every state."""
    rng = random.Random(seed)
    crowded = requirements[:2]
    month_ends = [datetime.date(2025, 1, 31), datetime.date(2025, 8, 31),
                  datetime.date(2026, 2, 28), datetime.date(2024, 2, 29)]
    for index in range(size):
        effective = rng.choice([TODAY - datetime.timedelta(days=rng.randint(-40, 900)),
                                rng.choice(month_ends)])
        valid_until = rng.choice([None, None, effective + datetime.timedelta(
            days=rng.randint(0, 800))])
        status = rng.choice(["approved"] * 5 + ["draft", "in_review", "archived"])
        kind = rng.choice(["record", "document"])
        # Some documents were marked "reviewed, still valid" since they took effect.
        reviewed = (effective + datetime.timedelta(days=rng.randint(0, 400))
                    if kind == "document" and rng.random() < 0.3 else None)
        evidence = EvidenceFactory(
            organization=org, created_by=user, status=status, effective_date=effective,
            valid_until=valid_until, kind=kind, last_reviewed_on=reviewed,
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
        chosen = rng.sample(requirements, rng.choice([0, 1, 1, 2]))
        chosen += [r for r in crowded if rng.random() < 0.35 and r not in chosen]
        for requirement in chosen:
            EvidenceLink.objects.get_or_create(evidence=evidence, requirement=requirement,
                                               defaults={"created_by": user})
    # As verification and the integrity sweep keep it; the reference below reads the revisions.
    refresh_file_check()


def _file_check(current) -> str:
    if current is not None and current.files.filter(integrity_error=True).exists():
        return "altered"
    if current is not None and current.verification_status == "verified":
        return "verified"
    return "pending"


def _python_reference(adoption, requirement, on):
    facts = []
    for link in EvidenceLink.objects.filter(requirement=requirement).select_related("evidence"):
        evidence = link.evidence
        current = Revision.objects.filter(evidence=evidence, is_current=True).first()
        facts.append(readiness.EvidenceFacts(
            evidence.pk, evidence.title, evidence.status, evidence.kind,
            evidence.effective_date, evidence.valid_until, _file_check(current),
            evidence.last_reviewed_on))
    subject = readiness.RequirementFacts(requirement.pk, requirement.ref_id,
                                         requirement.renewal_months)
    adoption.organization.refresh_from_db()
    return readiness.assess_requirement(subject, facts, on, adoption.warning_days,
                                        adoption.organization.records_need_approval)


DATES = [TODAY, TODAY + datetime.timedelta(days=120), datetime.date(2026, 2, 28),
         datetime.date(2025, 12, 31)]


def _adopted_vault(org, qm):
    clauses = [("1", None, [], None)] + [
        (f"1.{n}", "1", ["retain"], months) for n, months in
        enumerate([12, 1, None, 13, 24, None, 6, 36] * 5, start=1)]
    referential, requirements = make_referential(clauses=clauses)
    adoption = Adoption.objects.create(organization=org, referential=referential, adopted_by=qm,
                                       warning_days=45)
    leaves = [r for r in requirements.values() if r.parent_id]
    _vault(org, qm, leaves)
    return adoption, leaves


def _compare_on_every_date(adoption) -> tuple[set, set]:
    statuses, states = set(), set()
    compared = sum(_compare(adoption, on, statuses, states) for on in DATES)
    assert compared == 40 * len(DATES)
    return statuses, states


def test_checklist_applies_the_rule_to_every_requirement(org, qm):
    adoption, leaves = _adopted_vault(org, qm)
    assert EvidenceItem.objects.count() == 160
    # more than the shown number on one requirement: the order of the evidence matters
    assert EvidenceLink.objects.filter(requirement=leaves[0]).count() > 2 * 10

    statuses, states = _compare_on_every_date(adoption)
    # the vault exercises the statuses and every evidence state
    assert statuses >= {"covered", "expiring", "expired", "pending", "missing"}
    assert states == set(readiness.EvidenceState.values)


def test_checklist_applies_the_structure_choice_for_records(org, qm):
    adoption, _leaves = _adopted_vault(org, qm)
    type(org).objects.filter(pk=org.pk).update(records_need_approval=True)
    adoption.organization.refresh_from_db()
    _compare_on_every_date(adoption)


def test_checklist_follows_every_kind_of_write(org, qm):
    adoption, leaves = _adopted_vault(org, qm)
    items = list(EvidenceItem.objects.order_by("pk"))
    _compare_on_every_date(adoption)

    # Set-based updates of the evidence (the workers' way), then saves of loaded instances.
    EvidenceItem.objects.filter(pk__in=[e.pk for e in items[:20]]).update(
        status="archived", archived_at=NOW)
    EvidenceItem.objects.filter(pk__in=[e.pk for e in items[20:40]]).update(
        valid_until=TODAY + datetime.timedelta(days=10))
    for evidence in items[40:60]:
        evidence.effective_date = TODAY + datetime.timedelta(days=5)
        evidence.valid_until = evidence.last_reviewed_on = None
        evidence.kind = "record" if evidence.kind == "document" else "document"
        evidence.save()
    # Documents marked "reviewed, still valid" (the review service's set-based equivalent).
    EvidenceItem.objects.filter(pk__in=[e.pk for e in items[70:80]], kind="document",
                                effective_date__lte=TODAY - datetime.timedelta(days=3)).update(
        last_reviewed_on=TODAY - datetime.timedelta(days=3))
    # A file found altered, then the integrity sweep's refresh of file_check.
    StoredFile.objects.filter(revision__evidence__in=items[60:70]).update(integrity_error=True)
    refresh_file_check()
    # A requirement's renewal period changed by a library re-import, both ways.
    leaves[0].renewal_months = 3
    leaves[0].save()
    type(leaves[1]).objects.filter(pk=leaves[1].pk).update(renewal_months=None)
    # A link saved from an instance that never held the facts (note edited).
    link = EvidenceLink(evidence=items[80], requirement=leaves[5], created_by=qm)
    link.save()
    link.note = "Revue de direction"
    link.save()
    # Links bulk-created (the bulk tagging service), one of them on new evidence.
    fresh = evidence_with_file(org, qm, status="approved", approved_at=NOW,
                               effective_date=datetime.date(2026, 3, 31), kind="record")
    EvidenceLink.objects.bulk_create([
        EvidenceLink(evidence=fresh, requirement=leaves[0], created_by=qm),
        EvidenceLink(evidence=items[81], requirement=leaves[6], created_by=qm)])
    _compare_on_every_date(adoption)


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
        assert [(i.facts.evidence_id, i.state, i.valid_end) for i in got.evidence] == [
            (i.facts.evidence_id, i.state, i.valid_end) for i in expected.evidence
        ], row.requirement.ref_id
        assert got.summaries == expected.summaries, row.requirement.ref_id
        compared += 1
        statuses.add(got.status.value)
        states.update(state.value for state in got.summaries)
    return compared


def test_parents_and_exclusions_follow_the_rule(org, qm):
    """On a tree with sub-clauses, an allowed exclusion and a refused one: every excluded row
    and sub-clause is not applicable, the refused exclusion is not applied, and each parent is
    the worst of its own evidence's status (when it has some) and its applicable sub-clauses',
    computed here from the reference of each requirement alone."""
    clauses = [("1", None, [], None), ("1.1", "1", [], None), ("1.1.1", "1.1", ["retain"], 12),
               ("1.1.2", "1.1", [], None), ("1.2", "1", [], None), ("1.2.1", "1.2", [], None),
               ("1.2.2", "1.2", ["retain"], 6), ("1.3", "1", [], None)]
    referential, requirements = make_referential(clauses=clauses, excludable=("1.2",))
    adoption = Adoption.objects.create(organization=org, referential=referential, adopted_by=qm,
                                       warning_days=45)
    _vault(org, qm, [r for r in requirements.values() if r.parent_id], size=60, seed=11)
    for ref_id in ("1.2", "1.3"):  # 1.3 is not excludable: recorded before the rule
        Exclusion.objects.create(organization=org, requirement=requirements[ref_id],
                                 justification="Hors périmètre", decided_by=qm)
    for on in DATES:
        _on, rows = checklist.evaluate(adoption, on)
        got = {row.requirement.ref_id: row for row in rows}
        for ref_id in ("1.2", "1.2.1", "1.2.2"):
            assert got[ref_id].assessment.status == readiness.Status.NOT_APPLICABLE
            assert got[ref_id].justification == "Hors périmètre"
        assert got["1.2"].assessment.reason == "excluded"
        assert got["1.2.1"].assessment.reason == "excluded_with_parent"
        assert got["1.3"].refused_exclusion == "Hors périmètre"
        assert got["1.3"].assessment.status == _python_reference(
            adoption, requirements["1.3"], on).status
        for leaf in ("1.1.1", "1.1.2"):
            assert got[leaf].assessment.status == _python_reference(
                adoption, requirements[leaf], on).status
        own = _python_reference(adoption, requirements["1.1"], on)
        candidates = [got["1.1.1"].assessment.status, got["1.1.2"].assessment.status]
        if own.evidence:
            candidates.append(own.status)
        assert got["1.1"].assessment.status == min(candidates,
                                                   key=readiness.PRIORITY.__getitem__)
