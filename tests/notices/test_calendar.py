"""The personal iCalendar feed: every answer is parsed back with `icalendar`."""

import datetime
import gettext

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import trans_real
from icalendar import Calendar

from audit_prep.models import AuditEvent, UserPreference, new_calendar_token
from audit_prep.roles import Role
from audits.models import Certificate, Engagement
from checklists.models import Adoption
from checklists.services import validity
from evidence.models import EvidenceItem, EvidenceStatus
from notices.calendar import feed_for

from ..checklists.conftest import make_referential
from ..factories import EvidenceFactory, MembershipFactory, UserFactory

TODAY = datetime.date(2026, 6, 1)
NOW = datetime.datetime(2026, 6, 1, 10, tzinfo=datetime.UTC)
SITE = "https://audit.example.org"

# Proposed French translations of the feed's messages, used only while the shipped catalog
# lacks them: once `make messages` ships them, the real catalog answers first.
FRENCH = {
    "audit-prep — expiry and audit dates": "audit-prep — échéances et audits",
    "Expiry: %(title)s (%(structure)s)": "Expiration : %(title)s (%(structure)s)",
    "The evidence “%(title)s” of %(structure)s reaches the end of its validity on this day: "
    "renew it before then.":
        "La preuve « %(title)s » de %(structure)s arrive en fin de validité ce jour : "
        "renouvelez-la d'ici là.",
    "Audit %(referential)s — %(structure)s": "Audit %(referential)s — %(structure)s",
    "Target audit date for %(referential)s at %(structure)s.":
        "Date d'audit visée pour %(referential)s chez %(structure)s.",
}


class _Proposed(gettext.NullTranslations):
    def gettext(self, message):
        return FRENCH[message] if message in FRENCH else super().gettext(message)


@pytest.fixture(autouse=True)
def calendar_setup(settings, monkeypatch):
    settings.SITE_URL = SITE
    catalog = trans_real.translation("fr")
    proposed = _Proposed()
    if catalog._fallback:
        proposed.add_fallback(catalog._fallback)
    monkeypatch.setattr(catalog, "_fallback", proposed)
    with time_machine.travel(NOW, tick=False):
        yield


def evidence(org, valid_until, **fields):
    if valid_until is not None:
        fields.setdefault("effective_date", valid_until - datetime.timedelta(days=365))
    return EvidenceFactory(organization=org, valid_until=valid_until, **fields)


def calendar_token(user, language="fr"):
    preference, _ = UserPreference.objects.get_or_create(
        user=user, defaults={"calendar_token": new_calendar_token(), "language": language})
    return preference.calendar_token


def fetch(client, user, language="fr"):
    """The feed of `user`, fetched anonymously through its secret URL, parsed (the validity
    read model refreshed first, as the workers do after every change of the vault)."""
    validity.refresh()
    response = client.get(f"/calendar/{calendar_token(user, language)}.ics")
    assert response.status_code == 200, response.content[:300]
    return Calendar.from_ical(response.content)


def events_by_uid(calendar):
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def summaries(calendar):
    return sorted(str(event["SUMMARY"]) for event in calendar.walk("VEVENT"))


# --- what the feed lists --------------------------------------------------------------------


@pytest.fixture
def vault(org, other_org, member, qm):
    """Evidence of org owned by a contributor, a viewer and the quality manager, plus an
    unowned one, an archived one, one with no end date, and one of other_org."""
    contributor = member(Role.CONTRIBUTOR, username="contrib")
    viewer = member(Role.VIEWER, username="lecteur")
    day = datetime.date(2026, 9, 30)
    items = {
        "contributor": evidence(org, day, title="Attestation URSSAF", owner=contributor),
        "viewer": evidence(org, day, title="Kbis", owner=viewer),
        "qm": evidence(org, day, title="Revue de direction", owner=qm),
        "unowned": evidence(org, day, title="Assurance RC"),
        "archived": evidence(org, day, title="Ancienne assurance", owner=contributor,
                             status=EvidenceStatus.ARCHIVED, archived_at=timezone.now()),
        "no end": evidence(org, None, title="Organigramme", owner=contributor,
                           effective_date=TODAY),
        "other org": evidence(other_org, day, title="Preuve voisine", owner=contributor),
    }
    return {"contributor": contributor, "viewer": viewer, "qm": qm, "items": items}


def test_quality_manager_sees_all_evidence_of_the_structure(client, vault):
    calendar = fetch(client, vault["qm"])
    assert summaries(calendar) == [
        "Expiration : Assurance RC (AI du Val)",
        "Expiration : Attestation URSSAF (AI du Val)",
        "Expiration : Kbis (AI du Val)",
        "Expiration : Revue de direction (AI du Val)",
    ]


def test_contributor_and_viewer_see_only_the_evidence_they_own(client, vault):
    assert summaries(fetch(client, vault["contributor"])) == [
        "Expiration : Attestation URSSAF (AI du Val)"]
    assert summaries(fetch(client, vault["viewer"])) == ["Expiration : Kbis (AI du Val)"]


def test_nothing_from_a_structure_one_does_not_belong_to(client, vault, outsider, other_org):
    # The contributor owns evidence in other_org but is not a member there.
    assert "Preuve voisine" not in " ".join(summaries(fetch(client, vault["contributor"])))
    # The outsider is quality manager of other_org: they see that one only.
    assert summaries(fetch(client, outsider)) == [
        "Expiration : Preuve voisine (Chantier voisin)"]


def test_role_applies_per_structure(client, org, other_org, qm):
    """Quality manager of org and viewer of other_org: all of org, only owned in other_org."""
    MembershipFactory(user=qm, organization=other_org, role=Role.VIEWER)
    day = datetime.date(2026, 7, 1)
    evidence(org, day, title="A")
    evidence(other_org, day, title="B")
    evidence(other_org, day, title="C", owner=qm)
    assert summaries(fetch(client, qm)) == [
        "Expiration : A (AI du Val)", "Expiration : C (Chantier voisin)"]


def test_only_dates_from_one_year_ago_to_three_years_ahead(client, org, qm):
    for title, day in [("too old", datetime.date(2025, 5, 31)),
                       ("a year ago", datetime.date(2025, 6, 1)),
                       ("past", datetime.date(2026, 1, 20)),
                       ("in three years", datetime.date(2029, 6, 1)),
                       ("too far", datetime.date(2029, 6, 2))]:
        evidence(org, day, title=title)
    titles = {str(e["SUMMARY"]).split(" : ")[1].split(" (")[0]
              for e in fetch(client, qm).walk("VEVENT")}
    assert titles == {"a year ago", "past", "in three years"}


# --- the events ------------------------------------------------------------------------------


def test_evidence_event_is_all_day_with_link_uid_and_reminder(client, org, qm):
    item = evidence(org, datetime.date(2026, 9, 30), title="Attestation URSSAF")
    calendar = fetch(client, qm)
    [event] = calendar.walk("VEVENT")

    assert event["DTSTART"].params["VALUE"] == "DATE"
    assert event.decoded("DTSTART") == datetime.date(2026, 9, 30)
    assert not isinstance(event.decoded("DTSTART"), datetime.datetime)
    assert event.decoded("DTEND") == datetime.date(2026, 10, 1)
    assert str(event["UID"]) == f"evidence-{item.pk}-2026-09-30@audit-prep"
    assert event.decoded("DTSTAMP") == NOW
    assert event.decoded("DTSTAMP").tzinfo is not None
    link = f"{SITE}/evidence/{item.pk}/"
    assert link in str(event["DESCRIPTION"])
    assert str(event["URL"]) == link
    assert str(event["TRANSP"]) == "TRANSPARENT"
    [alarm] = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == -datetime.timedelta(days=7)
    assert str(alarm["DESCRIPTION"]) == "Expiration : Attestation URSSAF (AI du Val)"


def test_calendar_properties(client, qm):
    calendar = fetch(client, qm)
    assert str(calendar["PRODID"]) == "-//audit-prep//calendar//FR"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == "audit-prep — échéances et audits"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Paris"
    assert calendar.decoded("REFRESH-INTERVAL") == datetime.timedelta(hours=1)
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT1H"
    assert calendar.walk("VEVENT") == []


def test_uid_is_stable_and_changes_on_renewal(client, org, qm):
    item = evidence(org, datetime.date(2026, 9, 30), title="Attestation URSSAF")
    first = set(events_by_uid(fetch(client, qm)))
    assert set(events_by_uid(fetch(client, qm))) == first  # same answer on each refresh

    EvidenceItem.objects.filter(pk=item.pk).update(valid_until=datetime.date(2027, 3, 31))
    renewed = events_by_uid(fetch(client, qm))
    assert set(renewed) == {f"evidence-{item.pk}-2027-03-31@audit-prep"}
    assert not set(renewed) & first
    assert next(iter(renewed.values())).decoded("DTSTART") == datetime.date(2027, 3, 31)


def test_audit_dates_for_every_member(client, org, qm, member, outsider, other_org, iso):
    referential, _ = iso
    adoption = Adoption.objects.create(organization=org, referential=referential, adopted_by=qm,
                                       target_audit_date=datetime.date(2027, 3, 15))
    other_ref, _ = make_referential(code="cap", version="2015")
    Adoption.objects.create(organization=org, referential=other_ref, adopted_by=qm)  # no date
    Adoption.objects.create(organization=other_org, referential=other_ref, adopted_by=outsider,
                            target_audit_date=datetime.date(2027, 1, 10))
    uid = f"adoption-{adoption.pk}-2027-03-15@audit-prep"
    for user in (qm, member(Role.CONTRIBUTOR), member(Role.VIEWER)):
        events = events_by_uid(fetch(client, user))
        assert set(events) == {uid}
        event = events[uid]
        assert str(event["SUMMARY"]) == "Audit ISO9001 — AI du Val"
        assert event["DTSTART"].params["VALUE"] == "DATE"
        assert event.decoded("DTSTART") == datetime.date(2027, 3, 15)
        assert event.decoded("DTEND") == datetime.date(2027, 3, 16)
        assert f"{SITE}/checklists/{adoption.pk}/?date=2027-03-15" in str(event["DESCRIPTION"])
    assert summaries(fetch(client, outsider)) == ["Audit CAP — Chantier voisin"]


def test_french_by_default_english_on_preference(client, org, qm, member, iso):
    Adoption.objects.create(organization=org, referential=iso[0], adopted_by=qm,
                            target_audit_date=datetime.date(2027, 3, 15))
    evidence(org, datetime.date(2026, 9, 30), title="Kbis")
    english = member(Role.QUALITY_MANAGER, username="english")

    # No preference at all: French, whatever the request's language.
    validity.refresh()
    with translation.override("en"):
        french_feed = Calendar.from_ical(feed_for(qm))
    assert summaries(french_feed) == ["Audit ISO9001 — AI du Val", "Expiration : Kbis (AI du Val)"]
    assert str(french_feed["X-WR-CALNAME"]) == "audit-prep — échéances et audits"
    [event] = [e for e in french_feed.walk("VEVENT") if "Kbis" in str(e["SUMMARY"])]
    assert str(event["DESCRIPTION"]).startswith(
        "La preuve « Kbis » de AI du Val arrive en fin de validité")

    response = client.get(f"/calendar/{calendar_token(english, 'en')}.ics",
                          HTTP_ACCEPT_LANGUAGE="fr")
    english_feed = Calendar.from_ical(response.content)
    assert summaries(english_feed) == ["Audit ISO9001 — AI du Val", "Expiry: Kbis (AI du Val)"]
    assert str(english_feed["X-WR-CALNAME"]) == "audit-prep — expiry and audit dates"
    [event] = [e for e in english_feed.walk("VEVENT") if "Kbis" in str(e["SUMMARY"])]
    assert str(event["DESCRIPTION"]).startswith(
        "The evidence “Kbis” of AI du Val reaches the end of its validity")
    assert "Target audit date for ISO9001 at AI du Val." in {
        str(e["DESCRIPTION"]).splitlines()[0] for e in english_feed.walk("VEVENT")}


# --- the secret URL ----------------------------------------------------------------------------


def test_feed_response_headers(client, qm):
    response = client.get(f"/calendar/{calendar_token(qm)}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="audit-prep.ics"'
    assert response["Cache-Control"] == "private, max-age=300"
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\n")


@pytest.mark.parametrize("token", [
    "x" * 43,  # well-formed, unknown
    "",  # an empty token (a preference saved without one) never opens a feed
    "short",
    "y" * 65,
])
def test_unknown_token_is_404(client, qm, token):
    UserPreference.objects.create(user=UserFactory(username="sans-jeton"), calendar_token="")
    calendar_token(qm)
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_feed_needs_no_sign_in_and_only_answers_get(client, qm):
    url = f"/calendar/{calendar_token(qm)}.ics"
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 405


def test_inactive_user_is_404(client, qm):
    url = f"/calendar/{calendar_token(qm)}.ics"
    qm.is_active = False
    qm.save(update_fields=["is_active"])
    response = client.get(url)
    assert response.status_code == 404
    assert response.content == client.get(f"/calendar/{'z' * 43}.ics").content


def test_my_calendar_url_is_created_once(client_for, client, qm):
    api = client_for(qm)
    assert not UserPreference.objects.filter(user=qm).exists()

    response = api.get("/api/v1/me/calendar/")
    assert response.status_code == 200
    preference = UserPreference.objects.get(user=qm)
    assert preference.language == "fr"
    assert len(preference.calendar_token) == 43
    assert response.json() == {"url": f"{SITE}/calendar/{preference.calendar_token}.ics"}
    assert api.get("/api/v1/me/calendar/").json() == response.json()  # same URL each time
    created = AuditEvent.objects.get(action="calendar.token_create")
    assert (created.organization_id, created.actor_id) == (None, qm.pk)

    path = response.json()["url"].removeprefix(SITE)
    assert client.get(path).status_code == 200


def test_my_calendar_keeps_existing_preferences(client_for, qm):
    UserPreference.objects.create(user=qm, language="en")
    url = client_for(qm).get("/api/v1/me/calendar/").json()["url"]
    preference = UserPreference.objects.get(user=qm)
    assert preference.language == "en"
    assert url == f"{SITE}/calendar/{preference.calendar_token}.ics"
    assert len(preference.calendar_token) == 43


def test_reset_rotates_the_token(client_for, client, qm):
    api = client_for(qm)
    old_url = api.get("/api/v1/me/calendar/").json()["url"]
    old_token = UserPreference.objects.get(user=qm).calendar_token

    response = api.post("/api/v1/me/calendar/reset/")
    assert response.status_code == 200
    new_url = response.json()["url"]
    assert new_url != old_url
    assert api.get("/api/v1/me/calendar/").json()["url"] == new_url
    assert client.get(old_url.removeprefix(SITE)).status_code == 404
    assert client.get(new_url.removeprefix(SITE)).status_code == 200

    event = AuditEvent.objects.get(action="calendar.token_reset")
    assert (event.organization_id, event.actor_id) == (None, qm.pk)
    new_token = UserPreference.objects.get(user=qm).calendar_token
    written = " ".join(str(getattr(event, f.attname)) for f in AuditEvent._meta.fields)
    assert old_token not in written and new_token not in written


def test_reset_without_a_previous_token(client_for, qm):
    response = client_for(qm).post("/api/v1/me/calendar/reset/")
    assert response.status_code == 200
    token = UserPreference.objects.get(user=qm).calendar_token
    assert response.json() == {"url": f"{SITE}/calendar/{token}.ics"}


def test_anonymous_gets_401(client_for, db):
    anonymous = client_for()
    for response in (anonymous.get("/api/v1/me/calendar/"),
                     anonymous.post("/api/v1/me/calendar/reset/")):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
        assert response["WWW-Authenticate"] == "Token"
    assert not UserPreference.objects.exists()
    assert not AuditEvent.objects.exists()


def test_reset_is_post_only(client_for, qm):
    assert client_for(qm).get("/api/v1/me/calendar/reset/").status_code == 405


# --- cost ------------------------------------------------------------------------------------


def _queries_for_feed(client, user):
    url = f"/calendar/{calendar_token(user)}.ics"
    validity.refresh()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries), len(Calendar.from_ical(response.content).walk("VEVENT"))


def _populate(org, qm, count, offset=0):
    EvidenceItem.objects.bulk_create([
        EvidenceItem(organization=org, title=f"Preuve {offset + n}", kind="document",
                     effective_date=datetime.date(2026, 1, 15),
                     valid_until=datetime.date(2026, 7, 1) + datetime.timedelta(days=n % 700),
                     owner=qm if n % 2 else None, created_by=qm)
        for n in range(count)
    ])


def _certified(org, qm, referential):
    """A certificate (decided 2026-03-02, expiring 2029-03-01) whose first surveillance audit
    is recorded (10-11 February 2027): the second surveillance and the renewal are to plan."""
    certificate = Certificate.objects.create(
        organization=org, referential=referential, certification_body="AFNOR Certification",
        decision_date=datetime.date(2026, 3, 2), expiry_date=datetime.date(2029, 3, 1),
        created_by=qm)
    engagement = Engagement.objects.create(
        organization=org, kind="surveillance_1", certificate=certificate, created_by=qm,
        start_date=datetime.date(2027, 2, 10), end_date=datetime.date(2027, 2, 11))
    engagement.referentials.set([referential])


def test_constant_number_of_queries(client, org, other_org, qm, member, iso):
    MembershipFactory(user=qm, organization=other_org, role=Role.CONTRIBUTOR)
    Adoption.objects.create(organization=org, referential=iso[0], adopted_by=qm,
                            target_audit_date=datetime.date(2027, 3, 15))
    _certified(org, qm, iso[0])
    _populate(org, qm, 10)
    _populate(other_org, qm, 4)
    small, small_events = _queries_for_feed(client, qm)
    # all of org, owned ones of other_org, the target audit date, the surveillance audit, the
    # second surveillance and the renewal to plan
    assert small_events == 10 + 2 + 1 + 1 + 2

    _populate(org, qm, 190, offset=10)
    _populate(other_org, qm, 40, offset=4)
    _certified(other_org, qm, iso[0])
    large, large_events = _queries_for_feed(client, qm)
    assert large_events == 200 + 22 + 1 + 2 * (1 + 2)
    assert large == small
    # the token with its user, the grants (view, whole structure), evidence, adoptions, the
    # audits with their referentials, the certificates with their audits
    assert small <= 11
