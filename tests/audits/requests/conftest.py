"""What the evidence-request tests share: an engagement of `org` on a small ISO 9001, its
auditor (access open, second factor passed) and a request."""

import datetime

import pytest

from audit_prep.roles import Role
from audits import services as audits
from audits.models import AuditorAccess, EngagementKind
from audits.requests import services
from checklists.models import Requirement
from checklists.services import tailoring
from tests.audits.test_auditor_grant import Verified
from tests.checklists.conftest import make_referential
from tests.factories import UserFactory

FIRST_DAY, LAST_DAY = datetime.date(2027, 2, 10), datetime.date(2027, 2, 11)


@pytest.fixture
def referential(db):
    return make_referential()[0]


@pytest.fixture
def engagement(org, qm, referential, today):
    tailoring.adopt(qm, org, referential)
    return audits.create_engagement(qm, org, {
        "kind": EngagementKind.SURVEILLANCE_1, "referentials": [referential],
        "certification_body": "AFNOR Certification", "start_date": FIRST_DAY,
        "end_date": LAST_DAY})


@pytest.fixture
def auditor(engagement, qm):
    user = UserFactory(username="auditrice", email="auditrice@certif.example")
    AuditorAccess.objects.create(engagement=engagement, user=user, granted_by=qm,
                                 starts_on=datetime.date(2026, 12, 1),
                                 ends_on=datetime.date(2027, 3, 13))
    return Verified(user)()


@pytest.fixture
def contributor(member):
    return member(Role.CONTRIBUTOR, username="contributrice")


@pytest.fixture
def viewer(member):
    return member(Role.VIEWER, username="lecteur")


def requirement(referential, ref_id: str) -> Requirement:
    return Requirement.objects.get(referential=referential, ref_id=ref_id)


@pytest.fixture
def asked(engagement, qm, contributor, referential):
    """A request of the quality manager on 7.2, due on 15 January 2027, for the contributor."""
    return services.create_request(qm, engagement, {
        "requirements": [requirement(referential, "7.2")],
        "asked": "Registre des formations 2026", "due_date": datetime.date(2027, 1, 15),
        "assignee": contributor})
