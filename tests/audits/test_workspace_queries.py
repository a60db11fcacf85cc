"""The workspace's lists read a fixed number of queries whatever the size of the vault: the
checklist on the audit date and the evidence, as pages and in the API (10 items and many)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checklists.models import EvidenceLink
from evidence.models import Revision
from tests.audits.otp import signed_in
from tests.factories import evidence_with_file

from .workspace_world import DURING, at, requirement

LEAVES = ("4.3", "6.2.1", "6.2.2", "7.2", "7.5.3", "8.3", "9.2.2", "9.3.3")


def add_items(org, qm, iso, count: int) -> None:
    """`count` items with a verified version, spread over the referential's clauses."""
    for number in range(count):
        item = evidence_with_file(org, qm, title=f"Preuve {number:03d}")
        EvidenceLink.objects.create(evidence=item, created_by=qm,
                                    requirement=requirement(iso, LEAVES[number % len(LEAVES)]))
    Revision.objects.update(verified_at=datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC))


def queries_of(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content[:300]
    return len(captured)


@pytest.mark.parametrize("path", [
    "/audit/{}/checklist/", "/audit/{}/evidence/", "/api/v1/audit/engagements/{}/evidence/",
    "/api/v1/audit/engagements/{}/checklist/", "/audit/{}/"])
def test_a_fixed_number_of_queries_for_10_items_and_for_60(audited, audit_user, org, qm, iso,
                                                           path):
    add_items(org, qm, iso, 10)
    with at(DURING):
        client = signed_in(audit_user)
        url = path.format(audited.pk)
        client.get(url)  # the session's first request warms nothing that counts
        ten = queries_of(client, url)
        add_items(org, qm, iso, 50)
        sixty = queries_of(client, url)
    assert ten == sixty, (ten, sixty)
    assert ten <= 25
