"""Joining a structure takes consent: a quality manager invites an e-mail address, the person
with that address accepts (with their account, or one created on acceptance) or declines.
Nobody learns from an answer whether an account uses an address, or sees anyone's e-mail or
username before they have joined."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from audit_prep.invitations import mail as invitation_mail
from audit_prep.invitations import services, tokens
from audit_prep.models import AuditEvent, Invitation, InvitationStatus, Membership, UserPreference
from audit_prep.roles import Role
from tests.factories import UserFactory

INVITATIONS = "/api/v1/invitations/"
STRONG = "Un mot de passe solide 2026"
LINK = re.compile(r"(https?://\S+/invitations/([0-9a-f]{64})/)")


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Run a request and the work it leaves for after the commit (the e-mail task)."""
    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)
    return run


@pytest.fixture
def invite(api, org, send):
    def make(email, role=Role.CONTRIBUTOR, client=None, organization=None):
        return send((client or api).post, INVITATIONS, {
            "organization": (organization or org).pk, "email": email, "role": role},
            format="json")
    return make


def secret_in(message) -> str:
    [(_url, secret)] = LINK.findall(message.body)
    return secret


def last_secret_to(address: str) -> str:
    return secret_in([m for m in mail.outbox if m.to == [address]][-1])


def accept(client, secret, **account):
    return client.post(INVITATIONS + "accept/", {"token": secret, **account}, format="json")


def code(response) -> str:
    return response.json()["error"]["code"]


def test_the_answer_is_the_same_whether_or_not_an_account_uses_the_address(invite, settings,
                                                                           other_org):
    # One address is an account's (a member of another structure), the other nobody's.
    UserFactory(username="connue", email="connue@example.org")
    settings.SITE_URL = "https://audit.example.org"

    known, unknown = invite("connue@example.org"), invite("inconnue@example.org")

    assert (known.status_code, unknown.status_code) == (201, 201)
    mask = {"id", "email", "created_at", "expires_at"}
    assert {k: v for k, v in known.json().items() if k not in mask} == \
        {k: v for k, v in unknown.json().items() if k not in mask}
    assert set(known.json()) == set(unknown.json())
    assert known.json()["email"] == "connue@example.org"
    assert "connue" not in str({k: v for k, v in known.json().items() if k != "email"})
    # The e-mail goes out in both cases, with a link under SITE_URL carrying the secret.
    assert sorted(m.to[0] for m in mail.outbox) == ["connue@example.org", "inconnue@example.org"]
    for message in mail.outbox:
        [(url, secret)] = LINK.findall(message.body)
        assert url.startswith("https://audit.example.org/invitations/")
        invitation = Invitation.objects.get(email=message.to[0])
        assert invitation.token_hash == tokens.hash_of(secret)
        assert secret not in str(Invitation.objects.filter(pk=invitation.pk).values().get())
        assert invitation.sent_at is not None


def test_an_existing_account_accepts_once(invite, client_for, org, qm):
    person = UserFactory(username="nouvelle", email="Nouvelle@Example.org")
    invite("nouvelle@example.org", Role.VIEWER)
    secret = last_secret_to("nouvelle@example.org")

    response = accept(client_for(person), secret)

    assert response.status_code == 201, response.content
    assert response.json() == {"organization": org.pk, "organization_name": org.name,
                               "role": "viewer", "username": "nouvelle"}
    assert Membership.objects.get(organization=org, user=person).role == Role.VIEWER
    again = accept(client_for(person), secret)
    assert (again.status_code, code(again)) == (410, "invitation_used")
    assert Membership.objects.filter(user=person).count() == 1
    actions = list(AuditEvent.objects.filter(organization=org).order_by("id").values_list(
        "action", "actor_id"))
    assert actions[-4:] == [("invitation.create", qm.pk), ("invitation.accept", person.pk),
                            ("membership.create", person.pk),
                            ("invitation.use_refused", person.pk)]


def test_signed_out_with_an_existing_account_must_sign_in(invite):
    UserFactory(username="nouvelle", email="nouvelle@example.org")
    invite("nouvelle@example.org")

    response = accept(APIClient(), last_secret_to("nouvelle@example.org"), username="autre",
                      password=STRONG)

    assert (response.status_code, code(response)) == (409, "sign_in_to_accept")
    assert not get_user_model().objects.filter(username="autre").exists()
    assert Invitation.objects.get().status == InvitationStatus.PENDING


def test_a_new_account_is_created_on_acceptance(invite, org):
    invite("camille@example.org", Role.CONTRIBUTOR)
    secret = last_secret_to("camille@example.org")
    anonymous = APIClient()

    missing = accept(anonymous, secret)
    weak = accept(anonymous, secret, username="camille", password="camille1")
    taken = accept(anonymous, secret, username="Qualite", password=STRONG)

    assert missing.status_code == 400
    assert set(missing.json()["error"]["fields"]) == {"username", "password"}
    assert weak.status_code == 400
    weak_codes = {e["code"] for e in weak.json()["error"]["fields"]["password"]}
    assert "password_too_similar" in weak_codes
    assert taken.json()["error"]["fields"]["username"][0]["code"] == "username_taken"
    assert not get_user_model().objects.filter(email="camille@example.org").exists()

    response = accept(anonymous, secret, username="camille", password=STRONG)

    assert response.status_code == 201, response.content
    account = get_user_model().objects.get(username="camille")
    assert account.email == "camille@example.org" and account.check_password(STRONG)
    assert Membership.objects.get(user=account).organization == org
    event = AuditEvent.objects.get(action="invitation.accept")
    assert (event.actor_id, event.after["account_created"]) == (account.pk, True)
    assert APIClient().post("/api/v1/auth/token/", {"username": "camille",
                                                    "password": STRONG}).status_code == 200


def test_another_account_cannot_use_the_invitation(invite, member):
    invite("camille@example.org")
    secret = last_secret_to("camille@example.org")
    someone = member(Role.VIEWER, username="lecteur")
    client = APIClient()
    client.force_authenticate(someone)

    for route in ("accept/", "decline/"):
        response = client.post(INVITATIONS + route, {"token": secret}, format="json")
        assert (response.status_code, code(response)) == (403, "invitation_other_account")
    assert Invitation.objects.get().status == InvitationStatus.PENDING
    assert not Membership.objects.filter(user=someone).exclude(role=Role.VIEWER).exists()


def test_nobody_else_sees_pending_addresses_or_accounts(invite, member, client_for, org,
                                                        outsider):
    UserFactory(username="connue", email="connue@example.org")
    invite("connue@example.org")
    invitation = Invitation.objects.get()
    for role in (Role.VIEWER, Role.CONTRIBUTOR):
        client = client_for(member(role))
        for path in (INVITATIONS, "/api/v1/memberships/", "/api/v1/audit-events/",
                     "/api/v1/organizations/", "/api/v1/me/"):
            body = client.get(path).content.decode()
            assert "connue" not in body, (role, path)
        assert client.get(f"{INVITATIONS}{invitation.pk}/").status_code == 404
    outsiders = client_for(outsider)
    assert outsiders.get(INVITATIONS).json()["results"] == []
    for path in (f"{INVITATIONS}{invitation.pk}/", f"{INVITATIONS}{invitation.pk}/resend/",
                 f"{INVITATIONS}{invitation.pk}/withdraw/"):
        method = outsiders.get if path.endswith(f"{invitation.pk}/") else outsiders.post
        assert method(path).status_code == 404
    # The members list names members only, not the pending address.
    assert all(m["email"] != "connue@example.org"
               for m in client_for(member(Role.VIEWER)).get(
                   f"/api/v1/memberships/?organization={org.pk}").json()["results"])


def test_memberships_are_not_created_directly(api, org):
    UserFactory(username="nouvelle")
    response = api.post("/api/v1/memberships/", {"organization": org.pk, "user": "nouvelle",
                                                 "role": "viewer"}, format="json")
    assert response.status_code == 405
    assert not Membership.objects.filter(user__username="nouvelle").exists()


def test_an_invitation_expires(invite, settings, client_for):
    settings.INVITATION_TTL_DAYS = 2
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        invite("camille@example.org")
    secret = last_secret_to("camille@example.org")
    invitation = Invitation.objects.get()
    assert invitation.expires_at == start + datetime.timedelta(days=2)

    with time_machine.travel(start + datetime.timedelta(days=2, seconds=-1), tick=False):
        listed = client_for(invitation.invited_by).get(INVITATIONS).json()["results"]
        assert [item["status"] for item in listed] == ["pending"]
    with time_machine.travel(start + datetime.timedelta(days=2), tick=False):
        listed = client_for(invitation.invited_by).get(INVITATIONS).json()["results"]
        response = accept(APIClient(), secret, username="camille", password=STRONG)

    assert [item["status"] for item in listed] == ["expired"]
    assert (response.status_code, code(response)) == (410, "invitation_expired")
    assert Invitation.objects.get().status == InvitationStatus.EXPIRED
    event = AuditEvent.objects.get(action="invitation.expired_use")
    assert (event.actor_id, event.after) == (None, {"status": "expired"})
    assert not get_user_model().objects.filter(username="camille").exists()


def test_an_expired_invitation_makes_room_for_a_new_one(invite):
    with time_machine.travel(datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC), tick=False):
        first = invite("camille@example.org")
    second = invite("camille@example.org")
    assert second.status_code == 201, second.content
    assert Invitation.objects.get(pk=first.json()["id"]).status == InvitationStatus.EXPIRED
    assert AuditEvent.objects.filter(action="invitation.expire").count() == 1


def test_withdrawn_invitation_opens_nothing(invite, api, send):
    invitation = Invitation.objects.get(pk=invite("camille@example.org").json()["id"])
    secret = last_secret_to("camille@example.org")

    response = api.post(f"{INVITATIONS}{invitation.pk}/withdraw/")

    assert (response.status_code, response.json()["status"]) == (200, "withdrawn")
    refused = accept(APIClient(), secret, username="camille", password=STRONG)
    assert (refused.status_code, code(refused)) == (410, "invitation_withdrawn")
    again = send(api.post, f"{INVITATIONS}{invitation.pk}/resend/")
    assert (again.status_code, code(again)) == (409, "invitation_not_pending")
    assert len(mail.outbox) == 1
    assert list(AuditEvent.objects.filter(object_id=str(invitation.pk)).order_by("id")
                .values_list("action", flat=True)) == [
        "invitation.create", "invitation.withdraw", "invitation.use_refused"]


def test_resending_kills_the_old_secret(invite, api, send):
    invitation = Invitation.objects.get(pk=invite("camille@example.org").json()["id"])
    old = last_secret_to("camille@example.org")

    response = send(api.post, f"{INVITATIONS}{invitation.pk}/resend/")

    assert response.status_code == 200, response.content
    new = last_secret_to("camille@example.org")
    assert len(mail.outbox) == 2 and new != old
    stale = accept(APIClient(), old, username="camille", password=STRONG)
    assert (stale.status_code, code(stale)) == (404, "invitation_not_found")
    assert accept(APIClient(), new, username="camille", password=STRONG).status_code == 201
    assert AuditEvent.objects.filter(action="invitation.resend").count() == 1


def test_declining(invite):
    invite("camille@example.org")
    secret = last_secret_to("camille@example.org")

    response = APIClient().post(INVITATIONS + "decline/", {"token": secret}, format="json")

    assert response.json() == {"status": "declined"}
    refused = accept(APIClient(), secret, username="camille", password=STRONG)
    assert (refused.status_code, code(refused)) == (410, "invitation_declined")
    assert AuditEvent.objects.filter(action="invitation.decline").count() == 1


def test_refusals_when_already_invited_or_member(invite, member, org):
    member(Role.VIEWER, username="lecteur")  # lecteur@example.org
    assert invite("camille@example.org").status_code == 201

    twice = invite("CAMILLE@example.ORG")
    already = invite("Lecteur@Example.org")

    assert (twice.status_code, code(twice)) == (409, "already_invited")
    assert (already.status_code, code(already)) == (409, "already_member")
    assert Invitation.objects.count() == 1 and len(mail.outbox) == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(organization=org, email="Camille@Example.org", role="viewer",
                                  invited_by=org.memberships.first().user, token_hash="x" * 64,
                                  token_salt="s", expires_at=datetime.datetime(
                                      2099, 1, 1, tzinfo=datetime.UTC))


def test_an_invitation_joins_its_own_structure_only(invite, client_for, org, other_org,
                                                    outsider):
    response = invite("camille@example.org", Role.VIEWER, client=client_for(outsider),
                      organization=org)
    assert response.status_code == 400  # org is not the outsider's to name
    invite("camille@example.org", Role.VIEWER, client=client_for(outsider),
           organization=other_org)
    accept(APIClient(), last_secret_to("camille@example.org"), username="camille",
           password=STRONG)
    assert list(Membership.objects.filter(user__username="camille").values_list(
        "organization_id", flat=True)) == [other_org.pk]


def test_the_mail_speaks_the_invitees_language_else_the_inviters(invite, qm):
    english = UserFactory(username="english", email="english@example.org")
    UserPreference.objects.create(user=english, language="en")
    invite("english@example.org")
    invite("personne@example.org")
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address["english@example.org"].subject == \
        "Invitation to join AI du Val on audit-prep"
    assert by_address["personne@example.org"].subject == \
        "Invitation à rejoindre AI du Val sur audit-prep"
    assert "qualite" in by_address["personne@example.org"].body


def test_the_mail_task_sends_once_and_only_while_pending(invite, api):
    invitation = Invitation.objects.get(pk=invite("camille@example.org").json()["id"])
    assert invitation_mail.send(invitation.pk) == "already sent"
    services.withdraw(invitation.invited_by, invitation)
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=None)
    assert invitation_mail.send(invitation.pk) == "closed"
    assert len(mail.outbox) == 1


def test_a_rolled_back_invitation_sends_nothing(qm, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), \
            transaction.atomic():
        services.invite(qm, org, "camille@example.org", Role.VIEWER)
        raise RuntimeError
    assert mail.outbox == [] and not Invitation.objects.exists()
