import pytest


@pytest.fixture
def as_role(client, member):
    """as_role(role) -> the test client signed in as a new member of `org` with that role."""
    def sign_in(role):
        client.force_login(member(role))
        return client
    return sign_in
