"""Permission matrix of the core: structures, memberships, the audit trail, your account, and
the public pages. Subjects and the world: see `world.py`; the checks: `base.py`.

* anonymous: 401 `not_authenticated` on every API endpoint; token authentication comes first
  in DEFAULT_AUTHENTICATION_CLASSES, so DRF answers 401 with `WWW-Authenticate: Token`. The
  landing page, the health checks, the OpenAPI schema and the Swagger UI are public.
* outsider: quality manager of `other_org`. Every object of `org` is answered 404 and never
  appears in a list; an id of `org` in a request body is answered 400 `validation_error`,
  exactly like an id that does not exist.
* A write without an object is refused (403) before its body is validated when the role may
  not make it: in the structure the body names when the user can see it, else anywhere.
"""

import pytest
from rest_framework.test import APIClient

from audit_prep.invitations import services as invitations
from audit_prep.models import AuditEvent, Invitation, InvitationStatus, Membership, Organization
from audit_prep.roles import Role
from evidence.models import EvidenceItem

from .base import (
    Area,
    CrossStructureSuite,
    Endpoint,
    MatrixSuite,
    assert_error,
    check_object_read,
    invalid_in_other_org,
)
from .world import INVITEE, PASSWORD, SUBJECT_ROLES

MEMBERSHIPS = "/api/v1/memberships/"
INVITATIONS = "/api/v1/invitations/"


def _org_put(w):
    return {"name": "AI du Val (modifiee)", "slug": "ai-du-val", "siret": "", "kind": "aci",
            "region": "Bretagne"}


def _invitation(w):
    # nouvelle@example.org is an account's address: the answer does not show it
    return {"organization": w.org.pk, "email": "Nouvelle@example.org", "role": "contributor"}


def _invalid_invitation(w):
    return {"organization": w.org.pk, "email": "personne", "role": "king"}


def _acceptance(w):
    return {"token": w.ids["invitation_token"], "username": "invitee",
            "password": "Un mot de passe solide 2026"}


ENDPOINTS = [
    Endpoint("api-root", "GET", "/api/v1/"),
    # organizations
    Endpoint("organization-list", "GET", "/api/v1/organizations/", listing=Organization),
    Endpoint("organization-detail", "GET", "/api/v1/organizations/{org}/"),
    Endpoint("organization-list", "POST", "/api/v1/organizations/",
             data=lambda w: {"name": "Nouvelle structure", "slug": "nouvelle", "kind": "ei"}),
    Endpoint("organization-list", "POST", "/api/v1/organizations/", "invalid body",
             data=lambda w: {"kind": "unknown"}),
    Endpoint("organization-detail", "PATCH", "/api/v1/organizations/{org}/",
             data=lambda w: {"region": "Bretagne"}),
    Endpoint("organization-detail", "PUT", "/api/v1/organizations/{org}/", data=_org_put),
    # memberships
    Endpoint("membership-list", "GET", MEMBERSHIPS, listing=Membership),
    Endpoint("membership-detail", "GET", "/api/v1/memberships/{membership}/"),
    Endpoint("membership-detail", "PATCH", "/api/v1/memberships/{membership}/",
             data=lambda w: {"role": Role.CONTRIBUTOR}),
    Endpoint("membership-detail", "PUT", "/api/v1/memberships/{membership}/",
             data=lambda w: {"role": Role.CONTRIBUTOR}),
    Endpoint("membership-detail", "DELETE", "/api/v1/memberships/{membership}/"),
    # invitations
    Endpoint("invitation-list", "GET", INVITATIONS, listing=Invitation),
    Endpoint("invitation-detail", "GET", INVITATIONS + "{invitation}/"),
    Endpoint("invitation-list", "POST", INVITATIONS, data=_invitation),
    Endpoint("invitation-list", "POST", INVITATIONS, "invalid body", data=_invalid_invitation),
    Endpoint("invitation-resend", "POST", INVITATIONS + "{invitation}/resend/"),
    Endpoint("invitation-withdraw", "POST", INVITATIONS + "{invitation}/withdraw/"),
    Endpoint("invitation-accept", "POST", INVITATIONS + "accept/", data=_acceptance),
    Endpoint("invitation-accept", "POST", INVITATIONS + "accept/", "invalid body",
             data=lambda w: {"token": ""}),
    Endpoint("invitation-decline", "POST", INVITATIONS + "decline/",
             data=lambda w: {"token": w.ids["invitation_token"]}),
    # the audit trail
    Endpoint("auditevent-list", "GET", "/api/v1/audit-events/", listing=AuditEvent),
    Endpoint("auditevent-detail", "GET", "/api/v1/audit-events/{event}/"),
    # outside the router
    Endpoint("me", "GET", "/api/v1/me/"),
    Endpoint("schema", "GET", "/api/schema/"),
    Endpoint("swagger-ui", "GET", "/api/docs/"),
    Endpoint("home", "GET", "/"),
    # web pages
    Endpoint("structure-home", "GET", "/structures/{org}/"),
    Endpoint("checklist-page", "GET", "/checklists/{adoption}/"),
    Endpoint("evidence-page-list", "GET", "/evidence/"),
    Endpoint("evidence-page", "GET", "/evidence/{evidence}/"),
    Endpoint("account", "GET", "/account/"),
    Endpoint("licences", "GET", "/licences/"),
    Endpoint("healthz", "GET", "/healthz"),
    Endpoint("readyz", "GET", "/readyz"),
]

# fmt: off
MATRIX = {
    # endpoint                          anonymous viewer contributor quality_manager outsider
    "api-root GET":                         (401,  200,   200,        200,            200),
    "organization-list GET":                (401,  200,   200,        200,            200),
    "organization-detail GET":              (401,  200,   200,        200,            404),
    "organization-list POST":               (401,  201,   201,        201,            201),
    # any signed-in user may create a structure: the body is validated for everyone
    "organization-list POST invalid body":  (401,  400,   400,        400,            400),
    "organization-detail PATCH":            (401,  403,   403,        200,            404),
    "organization-detail PUT":              (401,  403,   403,        200,            404),
    "membership-list GET":                  (401,  200,   200,        200,            200),
    "membership-detail GET":                (401,  200,   200,        200,            404),
    "membership-detail PATCH":              (401,  403,   403,        200,            404),
    "membership-detail PUT":                (401,  403,   403,        200,            404),
    "membership-detail DELETE":             (401,  403,   403,        204,            404),
    # pending invitations are the quality managers': other members do not see them at all
    "invitation-list GET":                  (401,  200,   200,        200,            200),
    "invitation-detail GET":                (401,  404,   404,        200,            404),
    "invitation-list POST":                 (401,  403,   403,        201,            400),
    "invitation-list POST invalid body":    (401,  403,   403,        400,            400),
    "invitation-resend POST":               (401,  404,   404,        200,            404),
    "invitation-withdraw POST":             (401,  404,   404,        200,            404),
    # the secret authorizes: signed out it creates the account; signed in, only the account of
    # the invited address may answer (403 invitation_other_account for every other one)
    "invitation-accept POST":               (201,  403,   403,        403,            403),
    "invitation-accept POST invalid body":  (400,  400,   400,        400,            400),
    "invitation-decline POST":              (200,  403,   403,        403,            403),
    "auditevent-list GET":                  (401,  200,   200,        200,            200),
    "auditevent-detail GET":                (401,  404,   404,        200,            404),
    "me GET":                               (401,  200,   200,        200,            200),
    "schema GET":                           (200,  200,   200,        200,            200),
    "swagger-ui GET":                       (200,  200,   200,        200,            200),
    "home GET":                             (200,  200,   200,        200,            200),
    # pages send anonymous visitors to the login page; out of scope is 404, as in the API
    "structure-home GET":                   (302,  200,   200,        200,            404),
    "checklist-page GET":                   (302,  200,   200,        200,            404),
    "evidence-page-list GET":               (302,  200,   200,        200,            200),
    "evidence-page GET":                    (302,  200,   200,        200,            404),
    "account GET":                          (302,  200,   200,        200,            200),
    "licences GET":                         (200,  200,   200,        200,            200),
    "healthz GET":                          (200,  200,   200,        200,            200),
    "readyz GET":                           (200,  200,   200,        200,            200),
}
# fmt: on


# --- what a successful read shows, and a successful write did -------------------------------


def _html(endpoint, w, subject, response):
    assert response["Content-Type"].startswith("text/html")


def _page(endpoint, w, subject, response):
    """A signed-in page: anonymous visitors are sent to the login page, and come back after."""
    path = endpoint.path.format(**w.ids)
    if subject == "anonymous":
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={path}"
        return
    _html(endpoint, w, subject, response)
    if endpoint.route in ("structure-home", "checklist-page", "evidence-page"):
        assert w.org.name in response.content.decode()
    if endpoint.route == "evidence-page-list":  # the subject's structure's evidence only
        text = response.content.decode()
        assert ("Revue de direction 2026" in text) == (subject != "outsider")
        assert ("Revue du voisin" in text) == (subject == "outsider")


def _me(endpoint, w, subject, response):
    body = response.json()
    user = w.users[subject]
    assert (body["id"], body["username"]) == (user.pk, user.username)
    organizations = {m["organization"] for m in body["memberships"]}
    assert organizations == ({w.org.pk} if SUBJECT_ROLES[subject] else {w.other_org.pk})


def _organization(endpoint, w, subject, response):
    assert check_object_read(endpoint, w, response)["my_role"] == SUBJECT_ROLES[subject]


def _schema(endpoint, w, subject, response):
    assert response.content.startswith(b"openapi: 3")


def _healthz(endpoint, w, subject, response):
    assert response.json() == {"status": "ok"}


def _readyz(endpoint, w, subject, response):
    assert response.json()["status"] == "ready"


def _api_root(endpoint, w, subject, response):
    assert "evidence" in response.json()


READS = {"home": _html, "structure-home": _page, "checklist-page": _page, "account": _page,
         "evidence-page-list": _page, "evidence-page": _page, "licences": _html,
         "swagger-ui": _html, "schema": _schema, "healthz": _healthz,
         "readyz": _readyz, "api-root": _api_root, "me": _me,
         "organization-detail": _organization}


def _created_org(w, response, user):
    membership = Membership.objects.get(organization_id=response.json()["id"], user=user)
    assert membership.role == Role.QUALITY_MANAGER
    assert response.json()["my_role"] == Role.QUALITY_MANAGER


def _org_is(**fields):
    def check(w, response, user):
        organization = Organization.objects.get(pk=w.org.pk)
        assert {name: getattr(organization, name) for name in fields} == fields
    return check


def _role_of_target_is(role):
    def check(w, response, user):
        assert Membership.objects.get(pk=w.ids["membership"]).role == role
    return check


def _invited(w, response, user):
    invitation = Invitation.objects.get(pk=response.json()["id"])
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "Nouvelle@example.org", Role.CONTRIBUTOR, user)
    assert set(response.json()) == {"id", "organization", "email", "role", "status",
                                    "invited_by", "created_at", "expires_at", "decided_at"}
    assert not Membership.objects.filter(organization=w.org,
                                         user__username="nouvelle").exists()


def _invitation_is(state):
    def check(w, response, user):
        invitation = Invitation.objects.get(pk=w.ids["invitation"])
        assert (invitation.status, response.json()["status"]) == (state, state)
        if state == InvitationStatus.PENDING:  # re-sent: the e-mailed secret opens nothing
            assert not Invitation.objects.filter(
                token_hash=invitations.tokens.hash_of(w.ids["invitation_token"])).exists()
    return check


def _accepted(w, response, user):
    membership = Membership.objects.get(organization=w.org, user__email=INVITEE)
    assert (membership.user.username, membership.role) == ("invitee", Role.VIEWER)
    assert response.json() == {"organization": w.org.pk, "organization_name": w.org.name,
                               "role": Role.VIEWER, "username": "invitee"}
    events = AuditEvent.objects.filter(action__in=("invitation.accept", "membership.create"))
    assert set(events.values_list("actor_id", flat=True)) == {membership.user_id}


def _declined(w, response, user):
    assert Invitation.objects.get(pk=w.ids["invitation"]).status == InvitationStatus.DECLINED
    assert AuditEvent.objects.get(action="invitation.decline").actor_id is None


def _member_removed(w, response, user):
    assert not Membership.objects.filter(pk=w.ids["membership"]).exists()


EFFECTS = {
    "organization-list POST": _created_org,
    "organization-detail PATCH": _org_is(region="Bretagne", name="AI du Val"),
    "organization-detail PUT": _org_is(region="Bretagne", name="AI du Val (modifiee)",
                                       kind="aci"),
    "invitation-list POST": _invited,
    "invitation-resend POST": _invitation_is(InvitationStatus.PENDING),
    "invitation-withdraw POST": _invitation_is(InvitationStatus.WITHDRAWN),
    "invitation-accept POST": _accepted,
    "invitation-decline POST": _declined,
    "membership-detail PATCH": _role_of_target_is(Role.CONTRIBUTOR),
    "membership-detail PUT": _role_of_target_is(Role.CONTRIBUTOR),
    "membership-detail DELETE": _member_removed,
}


# --- another structure's ids ------------------------------------------------------------------


def _invite(organization, email, role):
    return lambda w: ("post", INVITATIONS, {"organization": organization(w), "email": email,
                                            "role": role})


def _other_org_invitation(email, role):
    return _invite(lambda w: w.other_org.pk, email, role)


QM, ORG, NOT_THERE = "quality_manager", "organization", "does_not_exist"
# fmt: off
CROSS_CASES = {
    # case: (subject, request, status, refused field, its error code)
    "invitation to other_org":
        (QM, _other_org_invitation("nouvelle@example.org", Role.VIEWER), 400, ORG, NOT_THERE),
    "own viewer invited as qm of other_org":
        (QM, _other_org_invitation("lecteur@example.org", Role.QUALITY_MANAGER), 400, ORG,
         NOT_THERE),
    "both orgs: invites where only viewer":
        ("dual", _other_org_invitation("nouvelle@example.org", Role.VIEWER), 403, None, None),
    "both orgs: invalid invitation-list where only viewer":
        ("dual", invalid_in_other_org(INVITATIONS, _invalid_invitation), 403, None, None),
    "outsider: invites itself to org":
        ("outsider", _invite(lambda w: w.org.pk, "voisin@example.org", Role.QUALITY_MANAGER),
         400, ORG, NOT_THERE),
}
# fmt: on

MOVES = [
    pytest.param(
        MEMBERSHIPS + "{membership}/",
        lambda w: {"organization": w.other_org.pk, "user": "voisine", "role": Role.CONTRIBUTOR},
        lambda: list(Membership.objects.order_by("pk").values_list("user_id", "organization_id")),
        id="membership organization and user are read-only"),
]
FILTERS = [
    pytest.param("/api/v1/memberships/?organization={}", "org", id="memberships?organization"),
    pytest.param("/api/v1/invitations/?organization={}", "org", id="invitations?organization"),
    pytest.param("/api/v1/audit-events/?organization={}", "org", id="audit-events?organization"),
    pytest.param("/api/v1/audit-events/?actor={}", "other_member", id="audit-events?actor"),
    pytest.param("/api/v1/audit-events/?object_type=evidence.evidenceitem&object_id={}",
                 "evidence", id="audit-events?object_id"),
]


class TestCore(MatrixSuite, CrossStructureSuite):
    area = Area(
        endpoints=ENDPOINTS, matrix=MATRIX, effects=EFFECTS, reads=READS,
        options_paths=("/api/v1/organizations/{org}/", "/api/v1/memberships/{membership}/",
                       "/api/v1/audit-events/{event}/", INVITATIONS + "{invitation}/"),
        cross_cases=CROSS_CASES, moves=MOVES, filters=FILTERS,
        public=frozenset({"invitation-accept POST", "invitation-accept POST invalid body",
                          "invitation-decline POST"}),
        error_codes={"invitation-accept POST": {403: "invitation_other_account"},
                     "invitation-decline POST": {403: "invitation_other_account"}},
    )


# --- authentication ----------------------------------------------------------------------------


def test_token_and_session_authentication(world):
    anonymous = APIClient()
    wrong = anonymous.post("/api/v1/auth/token/", {"username": "lecteur", "password": "x"},
                           format="json")
    assert wrong.status_code == 400
    assert_error(wrong, 400)
    response = anonymous.post("/api/v1/auth/token/",
                              {"username": "lecteur", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content

    with_token = APIClient(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    listed = with_token.get("/api/v1/evidence/")
    assert listed.status_code == 200
    assert {item["id"] for item in listed.json()["results"]} == world.org_ids(EvidenceItem)
    refused = with_token.post(f"/api/v1/evidence/{world.ids['evidence']}/approve/")
    assert refused.status_code == 403
    assert_error(refused, 403)

    bad_token = APIClient(HTTP_AUTHORIZATION="Token " + "0" * 40).get("/api/v1/evidence/")
    assert bad_token.status_code == 401
    assert bad_token.json()["error"]["code"] == "authentication_failed"
    assert bad_token["WWW-Authenticate"] == "Token"

    session = APIClient()
    assert session.login(username="voisin", password=PASSWORD)
    hidden = session.get(f"/api/v1/evidence/{world.ids['evidence']}/")
    assert hidden.status_code == 404
    assert_error(hidden, 404)
    assert session.get(f"/api/v1/evidence/{world.other_ids['evidence']}/").status_code == 200
