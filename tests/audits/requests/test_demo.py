"""The demo audit comes with evidence requests: one to answer, one being answered, one answered
and submitted to the auditor; seeding again adds none."""

import pytest
from django.core.management import call_command

from audit_prep.models import Organization
from audits.requests.models import AuditorStatus, EvidenceRequest, RequestStatus
from checklists.demo import DEMO_SLUG


@pytest.fixture
def seeded(settings, tmp_path, media_root, db):
    settings.DATA_DIR = tmp_path
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return Organization.objects.get(slug=DEMO_SLUG)


def test_the_demo_audit_has_its_requests(seeded):
    requests = list(EvidenceRequest.objects.filter(engagement__organization=seeded,
                                                   engagement__kind="surveillance_1")
                    .order_by("due_date"))
    assert [item.status for item in requests] == [
        RequestStatus.SUBMITTED, RequestStatus.OPEN, RequestStatus.OPEN]
    assert requests[0].auditor_status == AuditorStatus.SUBMITTED
    assert requests[0].answers.filter(submitted_at__isnull=False).exists()
    assert all(item.assignee.username == "contributeur" for item in requests)
    assert requests[1].messages.filter(thread="internal").exists()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert EvidenceRequest.objects.filter(engagement__organization=seeded).count() == 3
