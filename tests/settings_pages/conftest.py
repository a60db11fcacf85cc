import pytest
from django.test import Client

from audit_prep.roles import Role


@pytest.fixture
def browser_for():
    """browser_for(user) -> a signed-in web client (French) that checks CSRF as a browser's
    requests are checked."""
    def make(user, csrf: bool = False):
        client = Client(HTTP_ACCEPT_LANGUAGE="fr", enforce_csrf_checks=csrf)
        client.force_login(user)
        return client
    return make


@pytest.fixture
def manager(browser_for, qm):
    return browser_for(qm)


@pytest.fixture
def contributor(member):
    return member(Role.CONTRIBUTOR, username="contributrice")
