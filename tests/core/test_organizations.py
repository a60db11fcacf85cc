"""Structures, SIRET checks, memberships and roles."""

import pytest
from django.core.exceptions import ValidationError

from audit_prep import access
from audit_prep.models import AuditEvent, Membership, Organization
from audit_prep.roles import Action, Role
from audit_prep.validators import validate_siret
from tests.factories import UserFactory


@pytest.mark.parametrize("siret", ["88234567800016", "73282932000074", "35600000000048",
                                   "35600000049837"])
def test_valid_sirets(siret):
    validate_siret(siret)


@pytest.mark.parametrize(("siret", "code"), [
    ("88234567800017", "siret_key"),
    ("8823456780001", "siret_format"),
    ("8823456780001A", "siret_format"),
    ("８８２３４５６７８０００１６", "siret_format"),  # noqa: RUF001 - fullwidth digits on purpose
])
def test_invalid_sirets(siret, code):
    with pytest.raises(ValidationError) as error:
        validate_siret(siret)
    assert error.value.code == code


def test_creating_a_structure_makes_you_its_quality_manager(client_for, db):
    user = UserFactory()
    response = client_for(user).post("/api/v1/organizations/", {
        "name": "ACI Les Jardins", "slug": "aci-jardins", "kind": "aci",
        "siret": "88234567800016", "region": "Bretagne"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["my_role"] == "quality_manager"
    org = Organization.objects.get(slug="aci-jardins")
    assert Membership.objects.get(organization=org, user=user).role == Role.QUALITY_MANAGER


def test_bad_siret_is_refused_and_nothing_created(client_for, db):
    response = client_for(UserFactory()).post("/api/v1/organizations/", {
        "name": "EI", "slug": "ei", "kind": "ei", "siret": "88234567800017"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["siret"][0]["code"] == "siret_key"
    assert not Organization.objects.exists()
    assert not AuditEvent.objects.exists()


def test_one_person_in_several_structures(org, other_org, client_for):
    user = UserFactory()
    Membership.objects.create(user=user, organization=org, role=Role.VIEWER)
    Membership.objects.create(user=user, organization=other_org, role=Role.QUALITY_MANAGER)
    api = client_for(user)
    body = api.get("/api/v1/organizations/").json()
    assert {(o["slug"], o["my_role"]) for o in body["results"]} == {
        ("ai-du-val", "viewer"), ("chantier-voisin", "quality_manager")}
    me = api.get("/api/v1/me/").json()
    assert len(me["memberships"]) == 2
    assert access.can(user, Action.APPROVE, other_org.pk)
    assert not access.can(user, Action.APPROVE, org.pk)


class TestMembers:
    def test_quality_manager_changes_and_removes_members(self, client_for, qm, member, org):
        newcomer = member(Role.CONTRIBUTOR, username="nouvelle")
        membership_id = Membership.objects.get(user=newcomer).pk
        api = client_for(qm)
        assert api.patch(f"/api/v1/memberships/{membership_id}/", {"role": "viewer"},
                         format="json").json()["role"] == "viewer"
        assert api.delete(f"/api/v1/memberships/{membership_id}/").status_code == 204
        assert not Membership.objects.filter(user=newcomer).exists()
        actions = list(AuditEvent.objects.filter(object_type="audit_prep.membership")
                       .order_by("id").values_list("action", flat=True))
        assert actions[-2:] == ["membership.update", "membership.delete"]

    def test_the_last_quality_manager_stays(self, client_for, qm, org):
        membership = Membership.objects.get(user=qm, organization=org)
        api = client_for(qm)
        response = api.patch(f"/api/v1/memberships/{membership.pk}/", {"role": "viewer"},
                             format="json")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "last_quality_manager"
        assert api.delete(f"/api/v1/memberships/{membership.pk}/").status_code == 409
        membership.refresh_from_db()
        assert membership.role == Role.QUALITY_MANAGER

    def test_role_change_takes_effect_at_once(self, client_for, qm, member, org):
        colleague = member(Role.QUALITY_MANAGER, username="collegue")
        membership = Membership.objects.get(user=colleague, organization=org)
        api = client_for(colleague)
        assert api.get(f"/api/v1/audit-events/?organization={org.pk}").status_code == 200
        client_for(qm).patch(f"/api/v1/memberships/{membership.pk}/", {"role": "viewer"},
                             format="json")
        assert client_for(colleague).get("/api/v1/audit-events/").json()["count"] == 0
