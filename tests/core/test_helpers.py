"""Core's shared helpers: the language a person is written to in, and work sent after commit
(once, never on rollback, a broker outage logged instead of raised)."""

from unittest import mock

import pytest
from django.db import transaction
from django.utils import translation

from audit_prep.celery import app
from audit_prep.i18n import active_language, language_of, supported_language
from audit_prep.models import UserPreference
from audit_prep.tasks import enqueue, enqueue_after_commit
from tests.factories import UserFactory

TASK = "workers.recompute_readiness"


class TestLanguage:
    @pytest.mark.parametrize(("code", "expected"), [
        ("en", "en"), ("fr", "fr"), ("en-gb", "en"), ("de", "fr"), ("", "fr"), (None, "fr")])
    def test_only_languages_the_site_speaks(self, code, expected):
        assert supported_language(code) == expected

    def test_a_person_without_preferences_reads_french(self, db):
        assert language_of(UserFactory()) == "fr"

    def test_a_person_reads_their_preferred_language(self, db):
        user = UserFactory()
        UserPreference.objects.create(user=user, language="en")
        assert language_of(user) == "en"

    def test_the_active_language(self):
        with translation.override("en"):
            assert active_language() == "en"
        with translation.override("de"):
            assert active_language() == "fr"


@pytest.fixture
def sent():
    with mock.patch.object(app.tasks[TASK], "apply_async") as apply_async:
        yield apply_async


class TestEnqueue:
    def test_sent_once_the_transaction_commits(self, db, sent,
                                               django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            enqueue_after_commit(TASK, 7, countdown=10)
            assert not sent.called
        sent.assert_called_once_with(args=[7], countdown=10)

    def test_nothing_sent_when_it_rolls_back(self, db, sent,
                                             django_capture_on_commit_callbacks):
        with (django_capture_on_commit_callbacks(execute=True) as callbacks,
              pytest.raises(RuntimeError), transaction.atomic()):
            enqueue_after_commit(TASK, 7)
            raise RuntimeError("rolled back")
        assert callbacks == [] and not sent.called

    def test_a_broker_outage_is_logged_not_raised(self, sent, caplog):
        sent.side_effect = ConnectionError("broker down")
        assert enqueue(TASK, 7) is False
        assert f"could not enqueue {TASK}[7]" in caplog.text
