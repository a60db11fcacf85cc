"""Pages refuse in the interface's language and layout, never with a bare server page: an
unknown or out-of-scope page (404), a refused role (403), a form sent without its security
token (403), a malformed request (400) and an unexpected error (500). The API keeps its JSON
envelope (tests/core/test_refusals.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.utils import translation

from audit_prep.api import refusals


@pytest.fixture
def member_client(db):
    user = get_user_model().objects.create_user("marie", "marie@example.org", "x-long-pass-2026")
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(user)
    return client


def test_unknown_page_says_so_in_french_inside_the_layout(member_client):
    response = member_client.get("/evidence/987654/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page introuvable" in body
    assert "Mes structures" in body  # the menu is there: the user can go on


def test_unknown_page_in_english_when_asked(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_form_without_its_security_token_says_what_to_do(db):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="fr")
    response = client.post("/accounts/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Formulaire expiré" in body
    assert "Rechargez la page" in body


@pytest.mark.parametrize("handler, status, words", [
    (lambda request: refusals.server_error(request), 500, "Erreur inattendue"),
    (lambda request: refusals.bad_request(request, ValueError()), 400, "Requête incomprise"),
])
def test_page_errors_are_french_pages_with_a_way_back(handler, status, words):
    with translation.override("fr"):
        response = handler(RequestFactory().get("/evidence/"))
    assert response.status_code == status
    body = response.content.decode()
    assert words in body
    assert 'href="/"' in body
