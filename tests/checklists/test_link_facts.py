"""The readiness facts the triggers keep on each link stay right under concurrent writers."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from checklists import readiness
from checklists.models import EvidenceLink
from evidence.models import EvidenceItem
from tests.factories import evidence_with_file

from .conftest import make_referential

ARCHIVED = list(readiness.EvidenceState).index(readiness.EvidenceState.ARCHIVED)


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

    threads = [threading.Thread(target=archive), threading.Thread(target=link)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert waited["seconds"] >= 0.5  # it waited for the archiving to commit
    assert EvidenceLink.objects.get(evidence_id=evidence.pk).standing_rank == ARCHIVED
