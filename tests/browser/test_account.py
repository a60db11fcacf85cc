"""The account as a person uses it, in a real browser: the calendar feed's address regenerated,
notifications read and their unread count in the header."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_user_regenerates_the_calendar_address(page, live_server, structure, sign_in,
                                                 screenshot):
    sign_in()
    page.get_by_role("link", name="Mon compte").click()
    page.get_by_role("link", name="Langue des e-mails, rappels et adresse de mon calendrier"
                     ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("E-mails et calendrier")
    address = page.get_by_label("Adresse de mon calendrier (iCalendar)")
    old = address.input_value()
    assert old.endswith(".ics") and "/calendar/" in old
    screenshot("account-preferences")

    # the button asks for the confirmation first (a required box)
    page.get_by_role("button", name="Générer une nouvelle adresse").click()
    expect(address).to_have_value(old)
    page.get_by_label("Je comprends que l’adresse actuelle cessera de fonctionner").check()
    page.get_by_role("button", name="Générer une nouvelle adresse").click()

    expect(page.get_by_role("status")).to_contain_text("la précédente ne fonctionne plus")
    new = address.input_value()
    assert new != old and new.endswith(".ics")
    path = old.split("/calendar/")[1]
    assert page.request.get(f"{live_server.url}/calendar/{path}").status == 404
    assert page.request.get(
        f"{live_server.url}/calendar/{new.split('/calendar/')[1]}").status == 200


def test_the_unread_count_falls_after_reading_a_notification(page, live_server, structure,
                                                            sign_in, screenshot):
    from django.contrib.auth import get_user_model

    from notices.models import Notification

    manager = get_user_model().objects.get(username="qualite")
    for title in ("Deux preuves expirent bientôt", "Une preuve a expiré"):
        Notification.objects.create(user=manager, organization=structure, kind="reminder_digest",
                                    title=title, link=f"/structures/{structure.pk}/")
    sign_in()
    link = page.get_by_role("link", name="Notifications, 2 non lues")
    expect(link).to_be_visible()
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    screenshot("notifications-unread")

    page.get_by_role("button", name="Marquer comme lue : Une preuve a expiré").click()
    expect(page.get_by_role("status")).to_contain_text("Notification marquée comme lue.")
    expect(page.get_by_role("link", name="Notifications, 1 non lue")).to_be_visible()

    # opening the other one goes to its page and marks it read
    page.get_by_role("button", name="Ouvrir : Deux preuves expirent bientôt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(structure.name)
    expect(page.get_by_role("link", name="Notifications, aucune non lue")).to_be_visible()
