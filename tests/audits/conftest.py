import datetime

import pytest
import time_machine

from checklists.services import tailoring
from tests.checklists.conftest import make_referential

from .findings_world import auditor_api, stage_2, stage_2_auditor  # noqa: F401  (fixtures)

# The day the audits tests run on: an audit on 10 February 2027 is ahead.
TODAY = datetime.datetime(2026, 12, 5, 9, tzinfo=datetime.UTC)


@pytest.fixture
def iso(db):
    referential, _requirements = make_referential()
    return referential


@pytest.fixture
def today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def adoption(org, qm, iso, today):
    return tailoring.adopt(qm, org, iso)


@pytest.fixture
def audited(org, qm, adoption, iso):
    """The auditor's workspace tests' engagement (`workspace_world.audited_engagement`)."""
    from .workspace_world import audited_engagement

    return audited_engagement(org, qm, iso)


@pytest.fixture
def audit_user(audited, qm):
    from .workspace_world import auditor_of

    return auditor_of(audited, qm)


@pytest.fixture
def auditor_browser(audit_user):
    """The auditor's browser, past the second factor, during the audit."""
    from tests.audits.otp import signed_in

    from .workspace_world import DURING, at

    with at(DURING):
        yield signed_in(audit_user)
