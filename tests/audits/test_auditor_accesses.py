"""Extending and revoking an auditor's access, and the engagement's access log (decision
0029): an extension opens an ended access again, a revocation closes it at once, both in the
audit trail; the log holds every event of the engagement's auditors (the workspace records
them with `"engagement"` in `after`) and of their accesses, nothing of other audits."""

import csv
import datetime
import io

import pytest
import time_machine
from rest_framework.exceptions import NotFound, PermissionDenied

from audit_prep import access, audit
from audit_prep.models import AuditEvent
from audit_prep.roles import Action, Role
from audits import access_log, auditor_services, services
from audits.auditor_errors import AccessRevoked, InvalidWindow
from audits.auditors import AUDITOR_ACTIONS
from audits.models import AuditorAccess, Engagement, EngagementKind
from tests.factories import UserFactory

from .auditor_world import FIRST_DAY, audit_ahead


@pytest.fixture
def engagement(org, qm, today):
    return audit_ahead(org, qm)


@pytest.fixture
def auditor(engagement, qm):
    user = UserFactory(username="auditrice")
    AuditorAccess.objects.create(engagement=engagement, user=user, granted_by=qm,
                                 starts_on=datetime.date(2026, 12, 1),
                                 ends_on=datetime.date(2026, 12, 4))  # ended yesterday
    user.is_verified = lambda: True
    return user


def row_of(user) -> AuditorAccess:
    return AuditorAccess.objects.select_related("engagement", "user").get(user=user)


def test_extending_an_ended_access_opens_it_again(auditor, engagement, qm):
    assert access.engagement_actions(auditor, engagement) == frozenset()
    row = auditor_services.extend(qm, row_of(auditor), datetime.date(2027, 3, 1))
    assert row.ends_on == datetime.date(2027, 3, 1)
    assert auditor_services.access_state(row) == auditor_services.OPEN
    access.forget(auditor)
    assert access.engagement_actions(auditor, engagement) == AUDITOR_ACTIONS


def test_revoking_closes_the_access_at_once(auditor, engagement, qm):
    auditor_services.extend(qm, row_of(auditor), datetime.date(2027, 3, 1))
    access.forget(auditor)
    assert access.engagement_actions(auditor, engagement) == AUDITOR_ACTIONS
    row = auditor_services.revoke(qm, row_of(auditor))
    assert auditor_services.access_state(row) == auditor_services.REVOKED
    access.forget(auditor)  # the auditor's next request
    assert access.engagement_actions(auditor, engagement) == frozenset()
    with pytest.raises(AccessRevoked):
        auditor_services.extend(qm, row, datetime.date(2027, 4, 1))
    with pytest.raises(AccessRevoked):
        auditor_services.revoke(qm, row)


def test_an_access_cannot_close_before_it_opens(auditor, qm):
    with pytest.raises(InvalidWindow):
        auditor_services.extend(qm, row_of(auditor), datetime.date(2026, 11, 30))


def test_only_quality_managers_change_an_access(auditor, member, outsider):
    with pytest.raises(PermissionDenied):
        auditor_services.revoke(member(Role.CONTRIBUTOR), row_of(auditor))
    with pytest.raises(NotFound):
        auditor_services.extend(outsider, row_of(auditor), datetime.date(2027, 3, 1))
    with pytest.raises(NotFound):
        auditor_services.revoke(auditor, row_of(auditor))


def workspace_event(auditor, engagement, verb: str, **facts):
    """An event as the auditor's workspace records it."""
    return audit.record(auditor, f"auditor.{verb}", engagement,
                        organization_id=engagement.organization_id,
                        after={"engagement": engagement.pk, **facts})


def rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_access_log_holds_the_auditors_events_and_their_accesses(
        auditor, engagement, qm, org):
    other = Engagement.objects.create(organization=org, created_by=qm, start_date=FIRST_DAY,
                                      end_date=FIRST_DAY, kind=EngagementKind.INTERNAL)
    workspace_event(auditor, engagement, "page", path="/audit/1/")
    workspace_event(auditor, engagement, "download", file="=HYPERLINK(\"x\")")
    workspace_event(auditor, other, "page")  # another audit
    audit.record(auditor, "auditor.page", engagement, organization_id=org.pk)  # no engagement
    audit.record(qm, "engagement.update", engagement, after={"engagement": engagement.pk})
    auditor_services.revoke(qm, row_of(auditor))
    events = list(access_log.events(qm, engagement))
    assert [event.action for event in events] == [
        "auditor.page", "auditor.download", "auditor_access.revoke"]
    text = "".join(access_log.csv_lines(access_log.events(qm, engagement)))
    lines = rows(text)
    assert lines[0] == ["Quand", "Qui", "Quoi", "Type d'objet", "Identifiant de l'objet",
                        "Objet", "Identifiant de requête"]
    assert [line[1:3] for line in lines[1:]] == [
        ["auditrice", "auditor.page"], ["auditrice", "auditor.download"],
        ["qualite", "auditor_access.revoke"]]
    assert lines[1][0].startswith("2026-12-05T")


def test_the_log_neutralises_what_a_spreadsheet_would_run(auditor, engagement, qm):
    auditor.username = "=cmd|' /C calc'!A0"
    auditor.save()
    workspace_event(auditor, engagement, "page")
    lines = rows("".join(access_log.csv_lines(access_log.events(qm, engagement))))
    assert lines[1][1] == "'=cmd|' /C calc'!A0"


def test_the_log_is_for_quality_managers(auditor, engagement, member, outsider):
    with pytest.raises(PermissionDenied):
        access_log.events(member(Role.VIEWER), engagement)
    for refused in (outsider, auditor):
        with pytest.raises(NotFound):
            access_log.events(refused, engagement)


@pytest.mark.parametrize("count", [10, 60])
def test_the_log_reads_in_a_fixed_number_of_queries(
        auditor, engagement, qm, count, django_assert_num_queries):
    for number in range(count):
        workspace_event(auditor, engagement, "page", number=number)
    access.can(qm, Action.MANAGE_AUDITS, engagement.organization_id)  # grants memoised
    with django_assert_num_queries(1):
        lines = list(access_log.csv_lines(access_log.events(qm, engagement)))
    assert len(lines) == count + 1


def test_the_log_follows_the_clock(auditor, engagement, qm):
    with time_machine.travel(datetime.datetime(2027, 2, 10, 8, tzinfo=datetime.UTC)):
        workspace_event(auditor, engagement, "page")
    lines = rows("".join(access_log.csv_lines(access_log.events(qm, engagement))))
    assert lines[1][0] == "2027-02-10T09:00:00+01:00"


def test_cancelling_the_audit_takes_its_auditors_with_it(auditor, engagement, qm):
    auditor_services.invite(qm, engagement, "claire@example.org")
    services.cancel_engagement(qm, engagement)
    assert not AuditorAccess.objects.exists()
    assert not Engagement.objects.filter(pk=engagement.pk).exists()
    assert set(AuditEvent.objects.filter(action__endswith=".delete").values_list(
        "action", flat=True)) == {"auditor_access.delete", "auditor_invitation.delete"}
