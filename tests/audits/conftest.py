import pytest

from tests.checklists.conftest import make_referential


@pytest.fixture
def iso(db):
    referential, _requirements = make_referential()
    return referential
