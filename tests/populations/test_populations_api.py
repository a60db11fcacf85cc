"""Populations, members and the members evidence names, through the API."""

import datetime

from rest_framework.test import APIClient

from audit_prep.models import AuditEvent
from audit_prep.roles import Role
from checklists.models import ReadinessState
from populations.models import EvidenceMember, Member, Population
from tests.checklists.conftest import make_referential
from tests.factories import EvidenceFactory, MembershipFactory

from .conftest import add_member


def test_a_structure_keeps_one_population_per_kind(api, org):
    response = api.post("/api/v1/populations/", {"organization": org.pk,
                                                 "kind": "supervisors"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["kind_label"] == "encadrants"
    again = api.post("/api/v1/populations/", {"organization": org.pk, "kind": "supervisors"},
                     format="json")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "population_exists")
    wrong = api.post("/api/v1/populations/", {"organization": org.pk, "kind": "pets"},
                     format="json")
    assert wrong.status_code == 400
    assert Population.objects.count() == 1


def test_members_are_checked_like_file_rows(api, population):
    url = "/api/v1/members/"
    body = {"population": population.pk, "reference": "1001", "initials": "a-b",
            "entry_date": "2026-01-05"}
    created = api.post(url, body, format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["initials"], created.json()["exit_date"]) == ("AB", None)
    duplicate = api.post(url, body, format="json")
    assert (duplicate.status_code, duplicate.json()["error"]["code"]) == (
        409, "reference_duplicate")
    backwards = api.patch(f"{url}{created.json()['id']}/", {"exit_date": "2025-12-31"},
                          format="json")
    assert backwards.status_code == 400
    assert backwards.json()["error"]["fields"]["exit_date"][0]["code"] == "exit_before_entry"
    far = api.patch(f"{url}{created.json()['id']}/", {"exit_date": "2999-01-01"},
                    format="json")
    assert far.status_code == 400
    named = api.post(url, {**body, "reference": "", "initials": "Jean Dupont",
                           "entry_date": "2026-02-30"}, format="json")
    assert named.status_code == 400
    fields = named.json()["error"]["fields"]
    assert {name: [e["code"] for e in errors] for name, errors in fields.items()} == {
        "reference": ["blank"], "entry_date": ["invalid"]}  # every field, each its own code
    named = api.patch(f"{url}{created.json()['id']}/", {"reference": "a b", "initials": "1"},
                      format="json")
    fields = named.json()["error"]["fields"]
    assert {name: [e["code"] for e in errors] for name, errors in fields.items()} == {
        "reference": ["reference_invalid"], "initials": ["initials_invalid"]}
    named = api.post(url, {**body, "reference": "1002", "initials": "Jean Dupont"},
                     format="json")
    assert named.json()["error"]["fields"]["initials"][0]["code"] == "initials_invalid"
    left = api.patch(f"{url}{created.json()['id']}/", {"exit_date": "2026-06-30"},
                     format="json")
    assert left.status_code == 200
    assert Member.objects.get().exit_date == datetime.date(2026, 6, 30)
    assert list(AuditEvent.objects.filter(action__startswith="member.").values_list(
        "action", flat=True).order_by("id")) == ["member.create", "member.update"]


def test_evidence_names_members_of_its_structure_only(api, org, other_org, member,
                                                      population, qm):
    evidence = EvidenceFactory(organization=org, created_by=qm)
    first, second = add_member(population, "1001"), add_member(population, "1002", "CD")
    ReadinessState.objects.create(organization=org, referential_id=_any_referential())

    response = api.post("/api/v1/evidence-members/set/",
                        {"evidence": evidence.pk, "members": [first.pk, second.pk]},
                        format="json")

    assert response.status_code == 200, response.content
    assert [row["member"]["reference"] for row in response.json()] == ["1001", "1002"]
    assert ReadinessState.objects.get().dirty_since is not None  # readiness recomputes
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.after) == ("evidence.members", {
        "members": ["employees_in_pathway:1001", "employees_in_pathway:1002"]})
    response = api.post("/api/v1/evidence-members/set/",
                        {"evidence": evidence.pk, "members": [second.pk]}, format="json")
    assert set(EvidenceMember.objects.values_list("member_id", flat=True)) == {second.pk}
    # removing a member that evidence names is refused: they get an exit date instead
    refused = api.delete(f"/api/v1/members/{second.pk}/")
    assert (refused.status_code, refused.json()["error"]["code"]) == (
        409, "member_named_by_evidence")
    assert api.delete(f"/api/v1/members/{first.pk}/").status_code == 204

    # someone in both structures cannot name the other structure's member on this evidence
    both = member(Role.QUALITY_MANAGER, username="double")
    MembershipFactory(organization=other_org, user=both, role=Role.QUALITY_MANAGER)
    theirs = add_member(Population.objects.create(organization=other_org, kind="supervisors",
                                                  created_by=both), "77")
    client = APIClient()
    client.force_authenticate(both)
    mixed = client.post("/api/v1/evidence-members/set/",
                        {"evidence": evidence.pk, "members": [theirs.pk]}, format="json")
    assert mixed.status_code == 400
    assert mixed.json()["error"]["fields"]["members"][0]["code"] == (
        "member_of_another_structure")
    assert set(EvidenceMember.objects.values_list("member_id", flat=True)) == {second.pk}


def test_a_population_with_members_is_not_deleted(api, population):
    add_member(population, "1")
    response = api.delete(f"/api/v1/populations/{population.pk}/")
    assert (response.status_code, response.json()["error"]["code"]) == (
        409, "population_not_empty")
    Member.objects.all().delete()
    assert api.delete(f"/api/v1/populations/{population.pk}/").status_code == 204


def _any_referential():
    return make_referential(code="own")[0].pk
