"""What the findings tests share: an audit of `org` with an external auditor who passed the
second factor, and helpers to draft and publish findings through the auditor's API."""

import datetime

import pytest

from audit_prep import access
from audits.models import AuditorAccess, Engagement, EngagementKind, Grade
from checklists.models import Requirement
from tests.factories import UserFactory

FIRST_DAY, LAST_DAY = datetime.date(2027, 2, 10), datetime.date(2027, 2, 11)


def verified(user):
    """The user as django-otp's middleware leaves it after a second factor."""
    user.is_verified = lambda: True
    access.forget(user)
    return user


def findings_url(engagement, rest=""):
    return f"/api/v1/audit/engagements/{engagement.pk}/findings/{rest}"


@pytest.fixture
def stage_2(org, qm, adoption, iso):
    engagement = Engagement.objects.create(
        organization=org, created_by=qm, kind=EngagementKind.STAGE_2, start_date=FIRST_DAY,
        end_date=LAST_DAY, certification_body="AFNOR Certification")
    engagement.referentials.set([iso])
    return engagement


@pytest.fixture
def stage_2_auditor(stage_2, qm):
    user = UserFactory(username="auditrice")
    AuditorAccess.objects.create(engagement=stage_2, user=user, granted_by=qm,
                                 starts_on=datetime.date(2026, 12, 1),
                                 ends_on=datetime.date(2027, 3, 13))
    return verified(user)


@pytest.fixture
def auditor_api(client_for, stage_2_auditor):
    return client_for(stage_2_auditor)


def grade(org, code) -> Grade:
    return Grade.objects.get(scale__organization=org, scale__certification_body="", code=code)


def requirement(iso, ref_id) -> Requirement:
    return Requirement.objects.get(referential=iso, ref_id=ref_id)


def draft(client, engagement, org, iso, code="major_nc", ref_ids=("9.2.2",), **changes):
    body = {"grade": grade(org, code).pk, "text": "Aucun audit interne du processus achats.",
            "requirements": [requirement(iso, ref_id).pk for ref_id in ref_ids], **changes}
    return client.post(findings_url(engagement), body, format="json")


def published(client, engagement, org, iso, **changes):
    finding = draft(client, engagement, org, iso, **changes).json()
    response = client.post(findings_url(engagement, f"{finding['id']}/publish/"))
    assert response.status_code == 200, response.json()
    return response.json()
