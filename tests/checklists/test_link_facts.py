"""The readiness facts the triggers keep on each link stay right under concurrent writers."""

import datetime
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from checklists import readiness
from checklists.models import Adoption, EvidenceLink, Requirement
from checklists.services import links
from evidence.models import EvidenceItem
from tests.factories import evidence_with_file

from .conftest import make_referential

ARCHIVED = list(readiness.EvidenceState).index(readiness.EvidenceState.ARCHIVED)
UNAPPROVED = list(readiness.EvidenceState).index(readiness.EvidenceState.UNAPPROVED)


def _run_together(*targets):
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="row locks and concurrent writers: PostgreSQL (SQLite runs one writer)")
@pytest.mark.django_db(transaction=True)
def test_a_link_written_while_its_evidence_is_archived_gets_the_archived_facts(org, qm):
    """The link's insert waits for the uncommitted archiving, then reads it: without the lock it
    would read `approved` and keep it, since the archiving's own trigger ran before the link
    existed."""
    _referential, requirements = make_referential(clauses=[
        ("1", None, [], None), ("1.1", "1", ["retain"], None)])
    evidence = evidence_with_file(org, qm, status="approved", approved_at=timezone.now())
    archived, linked = threading.Event(), threading.Event()
    waited = {}

    def archive():
        try:
            with transaction.atomic():
                EvidenceItem.objects.filter(pk=evidence.pk).update(
                    status="archived", archived_at=timezone.now())
                archived.set()
                linked.wait(0.5)  # the link's insert must not finish before this commits
                time.sleep(0.3)
        finally:
            connections.close_all()

    def link():
        try:
            archived.wait(10)
            start = time.monotonic()
            EvidenceLink.objects.create(evidence_id=evidence.pk,
                                        requirement=requirements["1.1"], created_by=qm)
            waited["seconds"] = time.monotonic() - start
            linked.set()
        finally:
            connections.close_all()

    _run_together(archive, link)
    assert waited["seconds"] >= 0.5  # it waited for the archiving to commit
    assert EvidenceLink.objects.get(evidence_id=evidence.pk).standing_rank == ARCHIVED


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="row locks and concurrent writers: PostgreSQL (SQLite runs one writer)")
@pytest.mark.django_db(transaction=True)
def test_bulk_tagging_survives_a_deadlock_with_an_evidence_writer(org, qm, monkeypatch):
    """Another writer holds the second item and then wants the first, which the tagging has
    share-locked: PostgreSQL rolls the tagging back, and it is run again once the other
    writer has committed."""
    referential, requirements = make_referential(clauses=[
        ("1", None, [], None), ("1.1", "1", ["retain"], None)])
    Adoption.objects.create(organization=org, referential=referential, adopted_by=qm)
    first, second = (evidence_with_file(org, qm, status="approved", approved_at=timezone.now())
                     for _ in range(2))
    tagging_waits = threading.Event()
    attempts = []
    run_once = links._link_many

    def counted(*args, **kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            tagging_waits.set()  # about to insert: it will wait for `second`
        return run_once(*args, **kwargs)

    monkeypatch.setattr(links, "_link_many", counted)
    outcome = {}

    def other_writer():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:  # let the tagging be the one rolled back
                    cursor.execute("SET LOCAL deadlock_timeout = '10s'")
                EvidenceItem.objects.filter(pk=second.pk).update(status="in_review",
                                                                 approved_at=None)
                tagging_waits.wait(10)
                time.sleep(0.3)
                EvidenceItem.objects.filter(pk=first.pk).update(title="Registre (révisé)")
            outcome["other"] = "committed"
        finally:
            connections.close_all()

    def tag():
        try:
            time.sleep(0.1)  # the other writer holds `second` first
            created = links.link_many(qm, [first, second], [requirements["1.1"]])
            outcome["created"] = len(created)
        finally:
            connections.close_all()

    _run_together(other_writer, tag)
    assert outcome == {"other": "committed", "created": 2}
    assert len(attempts) == 2
    # the retried links read the committed change of `second`
    ranks = dict(EvidenceLink.objects.values_list("evidence_id", "standing_rank"))
    assert ranks == {first.pk: 0, second.pk: UNAPPROVED}


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="row locks and concurrent writers: PostgreSQL (SQLite runs one writer)")
@pytest.mark.django_db(transaction=True)
def test_an_approval_and_a_renewal_change_of_a_linked_requirement_both_commit(org, qm):
    """A library re-import holds the requirement while an approval rewrites the item's links:
    the approval must not wait for the requirement (it would deadlock when the re-import then
    changes the renewal period, which rewrites the same links)."""
    _referential, requirements = make_referential(clauses=[
        ("1", None, [], None), ("1.1", "1", ["retain"], None)])
    requirement = requirements["1.1"]
    evidence = evidence_with_file(org, qm, status="in_review",
                                  effective_date=datetime.date(2026, 1, 31))
    EvidenceLink.objects.create(evidence=evidence, requirement=requirement, created_by=qm)
    requirement_held, approved = threading.Event(), threading.Event()
    outcome = {}

    def reimport():
        try:
            with transaction.atomic():
                Requirement.objects.filter(pk=requirement.pk).update(name_en="Renamed")
                requirement_held.set()
                approved.wait(2)
                Requirement.objects.filter(pk=requirement.pk).update(renewal_months=12)
            outcome["reimport"] = "committed"
        finally:
            connections.close_all()

    def approve():
        try:
            requirement_held.wait(10)
            with transaction.atomic():
                EvidenceItem.objects.filter(pk=evidence.pk).update(
                    status="approved", approved_at=timezone.now())
                approved.set()
                time.sleep(0.3)
            outcome["approval"] = "committed"
        finally:
            connections.close_all()

    _run_together(reimport, approve)
    assert outcome == {"reimport": "committed", "approval": "committed"}
    link = EvidenceLink.objects.get(evidence=evidence)
    assert (link.standing_rank, link.valid_end) == (0, datetime.date(2027, 1, 31))
