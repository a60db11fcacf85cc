"""The page the invitation e-mail links to: a new person creates their account and joins, an
existing one signs in and accepts, anyone may decline; closed and unknown links say why."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from audit_prep.models import Membership
from audit_prep.roles import Role
from tests.core.test_invitations import INVITATIONS, LINK, STRONG, last_secret_to, send  # noqa: F401
from tests.factories import UserFactory


@pytest.fixture
def invited(api, org, send):  # noqa: F811
    def make(email):
        response = send(api.post, INVITATIONS, {"organization": org.pk, "email": email,
                                                 "role": Role.CONTRIBUTOR}, format="json")
        assert response.status_code == 201, response.content
        return last_secret_to(email)
    return make


def test_the_mail_link_opens_the_page_and_a_new_person_joins(client, invited, org):
    secret = invited("nouvelle@example.org")
    [url, _secret] = LINK.findall(mail.outbox[-1].body)[0]
    path = url.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path, HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    assert org.name in page.content.decode() and "Accepter l’invitation" in page.content.decode()

    weak = client.post(f"/invitations/{secret}/", {"answer": "accept", "username": "nouvelle",
                                                   "password": "123"})
    assert weak.status_code == 400 and 'role="alert"' in weak.content.decode()
    assert not get_user_model().objects.filter(username="nouvelle").exists()

    joined = client.post(f"/invitations/{secret}/", {"answer": "accept", "username": "nouvelle",
                                                     "password": STRONG})
    assert joined.status_code == 302 and joined["Location"] == "/accounts/login/"
    person = get_user_model().objects.get(username="nouvelle")
    assert person.email == "nouvelle@example.org"
    assert Membership.objects.get(user=person, organization=org).role == Role.CONTRIBUTOR

    used = client.get(f"/invitations/{secret}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert used.status_code == 410
    assert "Cette invitation a déjà été acceptée." in used.content.decode()


def test_an_existing_account_signs_in_then_accepts(client, invited, org):
    person = UserFactory(username="deja", email="deja@example.org")
    secret = invited("deja@example.org")
    refused = client.post(f"/invitations/{secret}/", {"answer": "accept"})
    assert refused.status_code == 400
    assert not Membership.objects.filter(user=person).exists()

    client.force_login(person)
    accepted = client.post(f"/invitations/{secret}/", {"answer": "accept"})
    assert accepted.status_code == 302 and accepted["Location"] == "/"
    assert Membership.objects.filter(user=person, organization=org).exists()


def test_another_account_is_told_and_cannot_accept(client, invited, org):
    secret = invited("quelquun@example.org")
    client.force_login(UserFactory(username="autre", email="autre@example.org"))
    page = client.get(f"/invitations/{secret}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "une autre adresse" in page and "Accepter" not in page
    assert client.post(f"/invitations/{secret}/", {"answer": "accept"}).status_code == 400


def test_declining_and_unknown_links(client, invited, org):
    secret = invited("non@example.org")
    declined = client.post(f"/invitations/{secret}/", {"answer": "decline"})
    assert declined.status_code == 302
    assert client.get(f"/invitations/{secret}/").status_code == 410
    unknown = client.get("/invitations/" + "0" * 64 + "/", HTTP_ACCEPT_LANGUAGE="fr")
    assert unknown.status_code == 404 and "pas valide" in unknown.content.decode()
