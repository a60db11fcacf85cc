"""The engagement grants of the choke point (decision 0022): members act on an engagement by
their role in its structure; an external auditor only on the engagement their access names,
while it is open and after the second factor, and never on the structure's vault."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from rest_framework.exceptions import NotFound, PermissionDenied

from audit_prep import access
from audit_prep.roles import ROLE_ACTIONS, Action, Role
from audits.auditors import AUDITOR_ACTIONS, default_window
from audits.models import AuditorAccess, Engagement, EngagementKind
from evidence.models import EvidenceItem
from tests.factories import UserFactory

FIRST_DAY = datetime.date(2027, 2, 10)
LAST_DAY = datetime.date(2027, 2, 11)


def engagement_of(organization, creator, **fields) -> Engagement:
    fields = {"kind": EngagementKind.SURVEILLANCE_1, "start_date": FIRST_DAY,
              "end_date": LAST_DAY, **fields}
    return Engagement.objects.create(organization=organization, created_by=creator, **fields)


class Verified:
    """A user as django-otp's middleware leaves it after a second factor (or without one)."""

    def __init__(self, user, verified=True):
        self.user, self.verified = user, verified

    def __call__(self):
        self.user.is_verified = lambda: self.verified
        access.forget(self.user)
        return self.user


@pytest.fixture
def engagement(org, qm):
    return engagement_of(org, qm)


@pytest.fixture
def auditor(engagement, qm):
    user = UserFactory(username="auditrice")
    AuditorAccess.objects.create(engagement=engagement, user=user, granted_by=qm,
                                 starts_on=datetime.date(2027, 1, 15),
                                 ends_on=datetime.date(2027, 3, 13))
    return Verified(user)()


def on(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10)), tick=False)


@pytest.mark.parametrize("role", list(Role))
def test_members_act_on_an_engagement_by_their_role_but_never_as_its_auditor(
        member, engagement, role):
    user = member(role)
    assert access.engagement_actions(user, engagement) == ROLE_ACTIONS[role]
    assert Action.AUDIT not in access.engagement_actions(user, engagement)
    with pytest.raises(PermissionDenied):
        access.require_engagement(user, Action.AUDIT, engagement)


@pytest.mark.parametrize("kind", [EngagementKind.INTERNAL, EngagementKind.CROSS])
@pytest.mark.parametrize("role", list(Role))
def test_on_an_audit_the_structure_runs_itself_its_quality_managers_audit(
        member, org, qm, role, kind):
    """Internal and cross audits have no external auditor: the quality managers record their
    findings (decision 0026); other members still act by their role only."""
    engagement = engagement_of(org, qm, kind=kind)
    user = member(role)
    expected = ROLE_ACTIONS[role] | ({Action.AUDIT} if role == Role.QUALITY_MANAGER else set())
    assert access.engagement_actions(user, engagement) == expected


def test_an_outsider_does_not_see_the_engagement(outsider, engagement):
    with pytest.raises(NotFound):
        access.require_engagement(outsider, Action.VIEW, engagement)


def test_an_open_access_lets_the_auditor_read_and_audit_and_nothing_more(auditor, engagement):
    with on(FIRST_DAY):
        assert access.engagement_actions(auditor, engagement) == AUDITOR_ACTIONS
        access.require_engagement(auditor, Action.AUDIT, engagement)
        access.require_engagement(auditor, Action.DOWNLOAD, engagement)
        for action in (Action.CHANGE, Action.APPROVE, Action.MANAGE_AUDITS):
            with pytest.raises(PermissionDenied):
                access.require_engagement(auditor, action, engagement)


@pytest.mark.parametrize("day", [datetime.date(2027, 1, 14), datetime.date(2027, 3, 14)])
def test_the_access_is_closed_before_it_opens_and_after_it_ends(auditor, engagement, day):
    with on(day), pytest.raises(NotFound):
        access.require_engagement(auditor, Action.VIEW, engagement)
    with on(datetime.date(2027, 3, 13)):
        access.forget(auditor)
        access.require_engagement(auditor, Action.VIEW, engagement)


def test_a_revoked_access_ends_at_once(auditor, engagement, qm):
    AuditorAccess.objects.filter(user=auditor).update(revoked_at=timezone.now(), revoked_by=qm)
    access.forget(auditor)
    with on(FIRST_DAY), pytest.raises(NotFound):
        access.require_engagement(auditor, Action.VIEW, engagement)


def test_without_the_second_factor_the_access_gives_nothing(auditor, engagement):
    unverified = Verified(auditor, verified=False)()
    with on(FIRST_DAY), pytest.raises(NotFound):
        access.require_engagement(unverified, Action.VIEW, engagement)
    del unverified.is_verified  # no OTP middleware at all: no access either
    access.forget(unverified)
    with on(FIRST_DAY), pytest.raises(NotFound):
        access.require_engagement(unverified, Action.VIEW, engagement)


def test_the_access_names_one_engagement_and_opens_nothing_of_the_structure(
        auditor, engagement, org, qm, evidence):
    other = engagement_of(org, qm, kind=EngagementKind.INTERNAL)
    with on(FIRST_DAY):
        with pytest.raises(NotFound):
            access.require_engagement(auditor, Action.VIEW, other)
        assert not access.scope(EvidenceItem.objects.all(), auditor).exists()
        assert not access.can(auditor, Action.VIEW, org.pk)
        assert access.scope(EvidenceItem.objects.all(), qm).exists()


def test_the_default_window_runs_to_thirty_days_after_the_last_day(engagement):
    assert default_window(engagement, today=datetime.date(2026, 12, 5)) == (
        datetime.date(2026, 12, 5), datetime.date(2027, 3, 13))
    assert default_window(engagement, today=datetime.date(2027, 2, 11))[0] == FIRST_DAY


def test_the_database_refuses_an_access_that_ends_before_it_opens(engagement, qm):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        AuditorAccess.objects.create(engagement=engagement, user=UserFactory(), granted_by=qm,
                                     starts_on=LAST_DAY, ends_on=FIRST_DAY)
