"""The account pages of the notices: e-mail preferences (with the refused-address notice), the
calendar feed's address and its rotation, in-app notifications and their unread count in the
header of every page."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from audit_prep.models import AuditEvent, UserPreference
from audit_prep.services import preference_of
from notices.models import Notification
from tests.factories import UserFactory


@pytest.fixture
def signed_in(qm):
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(qm)
    return client


def _notify(user, org, count: int, **fields) -> list[Notification]:
    return [Notification.objects.create(user=user, organization=org, kind="reminder_digest",
                                        title=f"Preuve {index} à renouveler", **fields)
            for index in range(count)]


def test_preferences_are_saved_with_the_api_serializer(signed_in, qm):
    page = signed_in.get("/account/preferences/")
    assert page.status_code == 200
    assert "Langue de mes e-mails" in page.content.decode()

    response = signed_in.post("/account/preferences/",
                              {"language": "en", "reminders_opt_out": "on"})
    assert response.status_code == 302 and response["Location"] == "/account/preferences/"
    preference = UserPreference.objects.get(user=qm)
    assert (preference.language, preference.reminders_opt_out) == ("en", True)
    assert "Vos préférences sont enregistrées." in signed_in.get(
        "/account/preferences/").content.decode()

    # an unchecked box is sent as nothing: reminders come back
    signed_in.post("/account/preferences/", {"language": "fr"})
    assert UserPreference.objects.get(user=qm).reminders_opt_out is False


def test_an_unknown_language_is_refused_with_the_api_message(signed_in, qm, api):
    response = signed_in.post("/account/preferences/", {"language": "de"})
    assert response.status_code == 400
    api_message = api.patch("/api/v1/me/preferences/", {"language": "de"}, format="json").json()[
        "error"]["fields"]["language"][0]["message"]
    assert escape(api_message) in response.content.decode()
    assert UserPreference.objects.get(user=qm).language == "fr"


def test_the_refused_address_notice_is_shown_and_cleared(signed_in, qm):
    preference = preference_of(qm)
    preference.email_refused = "qualite@example.org"
    preference.save()
    account = signed_in.get("/account/").content.decode()
    assert "Le serveur de messagerie a refusé qualite@example.org" in account
    assert 'href="/account/preferences/"' in account
    text = signed_in.get("/account/preferences/").content.decode()
    assert ("Le serveur de messagerie a refusé l’adresse "
            "<strong>qualite@example.org</strong>") in text

    response = signed_in.post("/account/preferences/", {"clear_refused": "1"})
    assert response.status_code == 302
    assert UserPreference.objects.get(user=qm).email_refused == ""
    assert "qualite@example.org" not in signed_in.get("/account/preferences/").content.decode()
    assert "Le serveur de messagerie a refusé" not in signed_in.get("/account/").content.decode()


def test_the_calendar_address_is_shown_and_regenerated(signed_in, qm, client, settings):
    old = preference_of(qm).calendar_token
    text = signed_in.get("/account/preferences/").content.decode()
    assert f'value="{settings.SITE_URL}/calendar/{old}.ics"' in text and "readonly" in text
    assert client.get(f"/calendar/{old}.ics").status_code == 200

    response = signed_in.post("/account/calendar/reset/", {"confirm": "on"}, follow=True)
    new = UserPreference.objects.get(user=qm).calendar_token
    assert new != old
    text = response.content.decode()
    assert f"/calendar/{new}.ics" in text and f"/calendar/{old}.ics" not in text
    assert "la précédente ne fonctionne plus" in text
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    assert AuditEvent.objects.filter(actor=qm, action="calendar.token_reset").count() == 1


def test_calendar_reset_is_post_only_and_needs_csrf(qm):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(qm)
    old = preference_of(qm).calendar_token
    assert browser.get("/account/calendar/reset/").status_code == 405
    assert browser.post("/account/calendar/reset/", {"confirm": "on"}).status_code == 403
    assert browser.post("/account/preferences/", {"language": "en"}).status_code == 403
    assert UserPreference.objects.get(user=qm).calendar_token == old
    assert UserPreference.objects.get(user=qm).language == "fr"


def test_notifications_list_is_yours_only_and_links_to_pages(signed_in, qm, org, outsider,
                                                             other_org, settings):
    [mine] = _notify(qm, org, 1, link=f"{settings.SITE_URL}/evidence/12/")
    Notification.objects.create(user=outsider, organization=other_org, kind="reminder_digest",
                                title="Preuve du voisin")
    text = signed_in.get("/account/notifications/").content.decode()
    assert "Preuve 0 à renouveler" in text and "Preuve du voisin" not in text
    assert f'action="/account/notifications/{mine.pk}/read/"' in text
    assert 'aria-label="Notifications, 1 non lue"' in text


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(signed_in, qm, org, settings):
    [notification] = _notify(qm, org, 1, link=f"{settings.SITE_URL}/evidence/12/")
    response = signed_in.post(f"/account/notifications/{notification.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/evidence/12/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'aria-label="Notifications, aucune non lue"' in signed_in.get(
        "/account/").content.decode()


def test_mark_one_and_all_read(signed_in, qm, org, outsider, other_org):
    first, *_others = _notify(qm, org, 3)
    [theirs] = _notify(outsider, other_org, 1)
    response = signed_in.post(f"/account/notifications/{first.pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/account/notifications/"
    assert 'aria-label="Notifications, 2 non lues"' in signed_in.get("/").content.decode()

    assert signed_in.post(f"/account/notifications/{theirs.pk}/read/").status_code == 404
    response = signed_in.post("/account/notifications/read-all/", follow=True)
    assert "2 notifications marquées comme lues." in response.content.decode()
    assert not Notification.objects.filter(user=qm, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def _queries(client, path) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_the_header_count_is_one_query(signed_in, qm, org):
    _notify(qm, org, 2)
    small = _queries(signed_in, "/account/")
    _notify(qm, org, 200)
    large = _queries(signed_in, "/account/")
    assert len(large) == len(small)
    assert len([sql for sql in large if "notices_notification" in sql]) == 1
    assert 'aria-label="Notifications, 202 non lues"' in signed_in.get(
        "/account/").content.decode()


def test_notifications_page_runs_the_same_queries_for_30_and_200(signed_in, qm, org):
    _notify(qm, org, 30)
    small = _queries(signed_in, "/account/notifications/?page=2")
    _notify(qm, org, 170)
    assert len(_queries(signed_in, "/account/notifications/?page=2")) == len(small)


def test_anonymous_visitors_see_no_count_and_are_sent_to_sign_in(client, db):
    assert "Notifications" not in client.get("/").content.decode()
    response = client.get("/account/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_user_without_preferences_gets_them_on_the_page(db):
    user = UserFactory(username="nouveau")
    browser = Client()
    browser.force_login(user)
    assert browser.get("/account/preferences/").status_code == 200
    assert UserPreference.objects.filter(user=user).count() == 1
