"""The auditor's side of the permission matrix (issue 13, decision 0028): the table-driven base
for every route an external auditor may reach or must be refused, with the members of the
structure beside them.

Subjects (`AUDITOR_SUBJECTS`, the order of every row's statuses):
- the members and others of `world.py`: anonymous, viewer, contributor, quality_manager (of
  `org`), outsider (quality manager of `other_org`);
- `auditor`: an open access to `org`'s engagement (`ids["engagement"]`, 15-16 March 2027),
  second factor passed — the one who gets in;
- `auditor_unverified`: the same kind of open access, signed in without the second factor;
- `auditor_before`: an access that opens after today; `auditor_after`: one that closed before
  today; `auditor_revoked`: an open access withdrawn;
- `auditor_same_structure`: auditor of another engagement of `org` (`ids["other_engagement"]`);
- `auditor_other_structure`: auditor of `other_org`'s engagement (`other_ids["engagement"]`).

Every test runs on `DURING` (15 March 2027, 10:00), with session clients (as a browser, and as
the API answers a browser's session: the second factor is a property of the session, and
auditors get no API token, decision 0023): every auditor passed the second factor with
django-otp (`tests.audits.otp.signed_in`) but `auditor_unverified`, whom pages send to the
step (302) and the API refuses (403 `second_factor_required`).

The world adds (`auditor_world`): the other engagement, the accesses, an evidence item of `org`
holding a PNG (`ids["audit_evidence"]`, `ids["audit_file"]`) linked to requirement 9.3.3 of the
library referential the engagement audits; the world's own evidence item (`ids["evidence"]`,
`ids["file"]`) is linked to `org`'s own list only: not the engagement's.

For every cell: a refusal answers a page (HTML, never `org`'s name) or the API's error shape,
changes nothing, and for a subject holding any auditor access leaves exactly one audit event,
`auditor.refused`, with the path and the status (the second factor's redirect to its step is
no refusal); a success by `auditor` leaves exactly one
`auditor.<verb>` event (the row's `verb`; none for the lists of one's engagements) naming the
engagement, in `org`; a member's success leaves nothing, but a download (`file.download`).

**How to add your routes** (requests, findings, pack...): write a module `test_<area>.py`
here with a class inheriting `AuditorMatrixSuite` and an `AuditorArea(endpoints, matrix,
verbs, reads, effects)`: `Endpoint`s as in `base.py` (paths formatted with `world.ids`), one
status per `AUDITOR_SUBJECTS` entry, the verb each successful auditor read is logged with,
and for writes an effect `check(world, subject, response)` (writes are not "nothing changed":
the effect says what changed, and which audit events the write left; reads are checked on
GET only). Add the class to `AUDITOR_AREAS` in `test_coverage.py`. Extra objects:
override the class's `world` fixture as `test_workspace.TestWorkspace` does, or add an autouse
fixture on it as `test_auditor_findings.TestAuditorFindings` does.
"""

import dataclasses
import datetime
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from audit_prep.models import AuditEvent
from audits.models import AuditorAccess, Engagement, EngagementKind
from checklists.models import Requirement
from checklists.services import links
from evidence.models import EvidenceItem, StoredFile
from evidence.verification import verify_revision
from tests.audits.otp import signed_in
from tests.conftest import upload
from tests.factories import UserFactory
from tests.filemakers import make_png

from .base import Endpoint, assert_error
from .world import World, snapshot

AUDITOR_SUBJECTS = ("anonymous", "viewer", "contributor", "quality_manager", "outsider",
                    "auditor", "auditor_unverified", "auditor_before", "auditor_after",
                    "auditor_revoked", "auditor_same_structure", "auditor_other_structure")
AUDITORS = tuple(subject for subject in AUDITOR_SUBJECTS if subject.startswith("auditor"))
DURING = datetime.datetime(2027, 3, 15, 10, tzinfo=datetime.UTC)
# subject -> (engagement key: "org" for ids, "other" for other_ids; first day; last day; revoked)
ACCESSES = {
    "auditor": ("engagement", (2027, 3, 1), (2027, 4, 15), False),
    "auditor_unverified": ("engagement", (2027, 3, 1), (2027, 4, 15), False),
    "auditor_before": ("engagement", (2027, 3, 20), (2027, 4, 15), False),
    "auditor_after": ("engagement", (2027, 2, 1), (2027, 3, 14), False),
    "auditor_revoked": ("engagement", (2027, 3, 1), (2027, 4, 15), True),
    "auditor_same_structure": ("other_engagement", (2027, 3, 1), (2027, 4, 15), False),
    "auditor_other_structure": ("other_org_engagement", (2027, 3, 1), (2027, 4, 15), False),
}


@dataclasses.dataclass
class AuditorArea:
    """One table: endpoints, statuses per `AUDITOR_SUBJECTS`, the verb of each successful
    auditor read (None: not logged), checks of reads by route and of writes by key."""

    endpoints: list[Endpoint]
    matrix: dict[str, tuple[int, ...]]
    verbs: dict[str, str | None] = dataclasses.field(default_factory=dict)
    reads: dict[str, Callable] = dataclasses.field(default_factory=dict)
    effects: dict[str, Callable] = dataclasses.field(default_factory=dict)
    # what a member's download through the workspace leaves (a file's, a pack's...)
    member_download: str = "file.download"

    @property
    def by_key(self) -> dict[str, Endpoint]:
        return {endpoint.key: endpoint for endpoint in self.endpoints}


def _access(world: World, user, engagement_id: int, first, last, revoked: bool):
    qm = world.users["quality_manager"]
    return AuditorAccess.objects.create(
        engagement_id=engagement_id, user=user, granted_by=qm,
        starts_on=datetime.date(*first), ends_on=datetime.date(*last),
        revoked_at=timezone.now() if revoked else None, revoked_by=qm if revoked else None)


def auditor_world(world: World, tmp_path) -> World:
    """The world with the auditors, their accesses and an evidence item of the engagement."""
    qm = world.users["quality_manager"]
    other = Engagement.objects.create(
        organization=world.org, kind=EngagementKind.INTERNAL, created_by=qm,
        start_date=datetime.date(2027, 3, 8), end_date=datetime.date(2027, 3, 9))
    other.referentials.set([world.ids["library_referential"]])
    engagements = {"engagement": world.ids["engagement"], "other_engagement": other.pk,
                   "other_org_engagement": world.other_ids["engagement"]}
    world.ids["other_engagement"] = other.pk
    for subject, (key, first, last, revoked) in ACCESSES.items():
        world.users[subject] = UserFactory(username=subject.replace("_", "-"))
        _access(world, world.users[subject], engagements[key], first, last, revoked)
    client = APIClient()
    client.force_authenticate(qm)
    response = client.post("/api/v1/evidence/", {
        "organization": world.org.pk, "title": "Plan de formation 2027", "kind": "document",
        "effective_date": "2027-01-04", "renewal_months": 12}, format="json")
    assert response.status_code == 201, response.content
    evidence = EvidenceItem.objects.get(pk=response.json()["id"])
    with make_png(tmp_path / "plan-formation.png").open("rb") as png:
        response = upload(client, evidence.pk, png)
    assert response.status_code == 201, response.content
    # the test's transaction never commits: the verification the commit would enqueue, now
    verify_revision(response.json()["id"])
    requirement = Requirement.objects.get(referential_id=world.ids["library_referential"],
                                          ref_id="9.3.3")
    links.link_many(qm, [evidence], [requirement])
    world.ids.update(audit_evidence=evidence.pk, audit_requirement=requirement.pk,
                     audit_file=StoredFile.objects.get(revision__evidence=evidence).pk)
    return world


def session_client(world: World, subject: str) -> APIClient:
    """A browser's session as `subject`: auditors past the second factor but the unverified."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="fr")
    user = world.users[subject]
    if user is not None:
        signed_in(user, verified=subject != "auditor_unverified", client=client)
    return client


def _events_since(before: dict) -> list[AuditEvent]:
    last = before["AuditEvent"][-1]["id"] if before["AuditEvent"] else 0
    return list(AuditEvent.objects.filter(pk__gt=last).order_by("pk"))


def _without_events(state: dict) -> dict:
    return {key: rows for key, rows in state.items() if key != "AuditEvent"}


def check_refusal(endpoint: Endpoint, world: World, subject: str, status: int, response,
                  before: dict) -> None:
    if endpoint.is_api:
        second_factor = subject == "auditor_unverified" and status == 403
        assert_error(response, status, "second_factor_required" if second_factor else None)
    else:
        assert response["Content-Type"].startswith("text/html")
        assert world.org.name not in response.content.decode()
    assert _without_events(snapshot(world)) == _without_events(before)
    events = _events_since(before)
    if subject in AUDITORS:
        [event] = events
        assert (event.action, event.actor_id) == ("auditor.refused", world.users[subject].pk)
        assert event.after["status"] == status
        assert event.after["path"] == endpoint.path.format(**world.ids)
    else:
        assert events == []


def check_logged(area: AuditorArea, name: str, world: World, subject: str, before: dict):
    if name in area.effects:
        return  # a write: its effect says which events it left
    events = _events_since(before)
    verb = area.verbs.get(name)
    endpoint = area.by_key[name]
    if subject == "auditor" and verb is not None:
        [event] = events
        assert (event.action, event.actor_id, event.organization_id) == (
            f"auditor.{verb}", world.users[subject].pk, world.org.pk)
        assert event.after["engagement"] == world.ids["engagement"]
    elif verb == "download" and subject != "anonymous":
        assert [event.action for event in events] == [area.member_download]
    else:
        assert events == [], f"{endpoint.key} by {subject} left {events}"


class AuditorMatrixSuite:
    """Every cell of the area's matrix (see the module)."""

    area: AuditorArea

    @pytest.fixture
    def world(self, world, tmp_path):
        with time_machine.travel(DURING, tick=False):
            yield auditor_world(world, tmp_path)

    def test_matrix(self, world, name, subject, expected):
        endpoint = self.area.by_key[name]
        client = session_client(world, subject)
        before = snapshot(world)

        response = endpoint.request(client, world)

        assert response.status_code == expected, getattr(response, "content", b"")[:500]
        if expected >= 400:
            check_refusal(endpoint, world, subject, expected, response, before)
            return
        if subject in ("anonymous", "auditor_unverified") and response.status_code == 302:
            path = endpoint.path.format(**world.ids)
            assert response["Location"] == (
                f"/accounts/login/?next={path}" if subject == "anonymous"
                else f"/accounts/second-factor/?{urlencode({'next': path})}")
            assert snapshot(world) == before
            return
        if endpoint.method == "GET" and endpoint.route in self.area.reads:
            self.area.reads[endpoint.route](endpoint, world, subject, response)
        if name in self.area.effects:
            self.area.effects[name](world, subject, response)
        else:
            assert _without_events(snapshot(world)) == _without_events(before)
        check_logged(self.area, name, world, subject, before)

    test_matrix.cases = lambda area: ("name,subject,expected", [
        pytest.param(name, subject, expected, id=f"{name.replace(' ', '_')}-{subject}")
        for name, statuses in area.matrix.items()
        for subject, expected in zip(AUDITOR_SUBJECTS, statuses, strict=True)])
