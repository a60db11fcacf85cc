"""The auditors of an audit on its page in the structure's settings, and the API behind it
(decision 0029): the quality manager sees each auditor's window and state in words, invites,
extends, revokes and downloads the access log; other members do not see the section; the
engagement's own auditor reaches none of it (the structure's settings: 404)."""

import datetime
import html

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from audit_prep import access
from audit_prep.invitations import tokens
from audit_prep.roles import Role
from audits import auditor_services
from audits.models import AuditorAccess, AuditorInvitation
from tests.factories import UserFactory

from .auditor_world import audit_ahead, inviter
from .otp import signed_in


@pytest.fixture
def engagement(org, qm, today):
    return audit_ahead(org, qm)


@pytest.fixture
def invite(qm, engagement, django_capture_on_commit_callbacks):
    return inviter(qm, engagement, django_capture_on_commit_callbacks)



@pytest.fixture
def auditor(engagement, qm):
    user = UserFactory(username="auditrice", email="auditrice@cabinet.example")
    AuditorAccess.objects.create(engagement=engagement, user=user, granted_by=qm,
                                 starts_on=datetime.date(2026, 12, 1),
                                 ends_on=datetime.date(2027, 3, 13))
    return user


@pytest.fixture
def qm_browser(qm):
    client = Client()
    client.force_login(qm)
    return client


def url(engagement, rest=""):
    return f"/structures/{engagement.organization_id}/settings/audits/{engagement.pk}/{rest}"


def test_the_page_lists_the_auditors_with_their_state_in_words(
        qm_browser, auditor, engagement, qm, invite):
    other = UserFactory(username="ancien", email="ancien@cabinet.example")
    AuditorAccess.objects.create(engagement=engagement, user=other, granted_by=qm,
                                 starts_on=datetime.date(2026, 11, 1),
                                 ends_on=datetime.date(2026, 11, 30))
    invite("claire@example.org")
    text = qm_browser.get(url(engagement)).content.decode()
    assert "Auditeurs de cet audit" in text
    assert 'class="status status-access-open">Ouvert' in text
    assert 'class="status status-access-ended">Terminé' in text
    assert 'class="status status-access-invited">Invité' in text
    assert "claire@example.org" in text and "auditrice@cabinet.example" in text
    assert 'value="2027-03-13"' in text  # the default end, 30 days after the last day
    assert "Télécharger le journal des accès (CSV)" in text


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CONTRIBUTOR])
def test_other_members_do_not_see_the_auditors(member, engagement, auditor, role):
    client = Client()
    client.force_login(member(role))
    text = client.get(url(engagement)).content.decode()
    assert "Auditeurs de cet audit" not in text and "auditrice@" not in text


def test_the_quality_manager_invites_from_the_page(qm_browser, engagement):
    sent = qm_browser.post(url(engagement, "auditors/invite/"), {
        "email": "claire@example.org", "starts_on": "2027-02-01", "ends_on": "2027-02-28"})
    assert sent.status_code == 302
    invitation = AuditorInvitation.objects.get()
    assert (invitation.starts_on, invitation.ends_on) == (datetime.date(2027, 2, 1),
                                                          datetime.date(2027, 2, 28))
    assert "claire@example.org" in qm_browser.get(url(engagement)).content.decode()


def test_a_members_address_is_refused_on_the_page(qm_browser, engagement, member):
    member(Role.VIEWER, username="lecteur")
    refused = qm_browser.post(url(engagement, "auditors/invite/"),
                           {"email": "lecteur@example.org"})
    assert refused.status_code == 400
    assert "un membre ne peut pas être l'auditeur" in html.unescape(refused.content.decode())
    assert not AuditorInvitation.objects.exists() and not mail.outbox


def test_a_window_closing_before_it_opens_is_refused(qm_browser, engagement):
    refused = qm_browser.post(url(engagement, "auditors/invite/"), {
        "email": "claire@example.org", "starts_on": "2027-02-01", "ends_on": "2027-01-01"})
    assert refused.status_code == 400
    assert "L'accès doit se fermer" in html.unescape(refused.content.decode())


def test_extend_and_revoke_from_the_page(qm_browser, engagement, auditor):
    row = AuditorAccess.objects.get()
    assert qm_browser.post(url(engagement, f"auditors/{row.pk}/extend/"),
                        {"ends_on": "2027-04-30"}).status_code == 302
    row.refresh_from_db()
    assert row.ends_on == datetime.date(2027, 4, 30)
    assert qm_browser.post(url(engagement, f"auditors/{row.pk}/extend/"),
                        {"ends_on": "pas une date"}).status_code == 400
    assert qm_browser.post(url(engagement, f"auditors/{row.pk}/revoke/")).status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    text = qm_browser.get(url(engagement)).content.decode()
    assert 'class="status status-access-revoked">Révoqué' in text


def test_a_revoked_auditor_is_out_at_their_next_page(engagement, auditor, qm):
    client = signed_in(auditor)
    auditor_services.revoke(qm, AuditorAccess.objects.select_related("engagement").get())
    response = client.get("/")
    user = response.wsgi_request.user
    assert access.engagement_actions(user, engagement) == frozenset()


def test_the_access_log_downloads_as_csv(qm_browser, engagement, auditor, qm):
    auditor_services.revoke(qm, AuditorAccess.objects.select_related("engagement").get())
    response = qm_browser.get(url(engagement, "access-log/"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="access-log-audit-{engagement.pk}-2027-02-10.csv"')
    body = b"".join(response.streaming_content).decode()
    assert "auditor_access.revoke" in body


def test_the_api_invites_extends_revokes_and_exports(qm, engagement, client_for):
    api = client_for(qm)
    created = api.post("/api/v1/auditor-invitations/", {"engagement": engagement.pk,
                                                        "email": "claire@example.org"})
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "pending"
    assert created.json()["ends_on"] == "2027-03-13"
    auditor = UserFactory(username="claire", email="claire@example.org")
    auditor.is_verified = lambda: True
    invitation = AuditorInvitation.objects.get()
    secret = tokens.secret_for(invitation.token_salt, auditor_services.PURPOSE)
    row = auditor_services.accept(secret, auditor)
    listed = api.get("/api/v1/auditor-accesses/", {"engagement": engagement.pk}).json()
    assert [item["id"] for item in listed["results"]] == [row.pk]
    assert listed["results"][0]["state"] == "open"
    extended = api.post(f"/api/v1/auditor-accesses/{row.pk}/extend/", {"ends_on": "2027-05-01"})
    assert extended.status_code == 200 and extended.json()["ends_on"] == "2027-05-01"
    revoked = api.post(f"/api/v1/auditor-accesses/{row.pk}/revoke/")
    assert revoked.json()["state"] == "revoked"
    again = api.post(f"/api/v1/auditor-accesses/{row.pk}/revoke/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "access_revoked"
    log = api.get(f"/api/v1/engagements/{engagement.pk}/access-log/")
    assert log.status_code == 200
    body = b"".join(log.streaming_content).decode()
    for action in ("auditor_invitation.create", "auditor_access.create",
                   "auditor_access.extend", "auditor_access.revoke"):
        assert action in body


def test_the_api_refuses_a_members_address_with_its_code(qm, engagement, client_for, member):
    member(Role.CONTRIBUTOR, username="contrib")
    refused = client_for(qm).post("/api/v1/auditor-invitations/", {
        "engagement": engagement.pk, "email": "contrib@example.org"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "auditor_is_member"


def test_the_engagements_own_auditor_reaches_none_of_it(engagement, auditor, invite):
    invitation, _secret = invite("claire@example.org")
    row = AuditorAccess.objects.get()
    client = signed_in(auditor)
    pages = [("get", url(engagement)), ("get", url(engagement, "access-log/")),
             ("post", url(engagement, "auditors/invite/")),
             ("post", url(engagement, f"auditors/invitations/{invitation.pk}/resend/")),
             ("post", url(engagement, f"auditors/invitations/{invitation.pk}/withdraw/")),
             ("post", url(engagement, f"auditors/{row.pk}/extend/")),
             ("post", url(engagement, f"auditors/{row.pk}/revoke/"))]
    for method, path in pages:
        assert getattr(client, method)(path).status_code == 404, path
    api = APIClient()
    api.cookies = client.cookies
    routes = [("get", "/api/v1/auditor-invitations/", 200),
              ("get", f"/api/v1/auditor-invitations/{invitation.pk}/", 404),
              ("post", f"/api/v1/auditor-invitations/{invitation.pk}/resend/", 404),
              ("get", f"/api/v1/auditor-accesses/{row.pk}/", 404),
              ("post", f"/api/v1/auditor-accesses/{row.pk}/extend/", 404),
              ("post", f"/api/v1/auditor-accesses/{row.pk}/revoke/", 404),
              ("get", f"/api/v1/engagements/{engagement.pk}/access-log/", 404)]
    for method, path, status in routes:
        response = getattr(api, method)(path)
        assert response.status_code == status, path
        if status == 200:
            assert response.json()["results"] == []
    assert api.post("/api/v1/auditor-invitations/", {
        "engagement": engagement.pk, "email": "x@example.org"}).status_code == 403


def page_queries(client, engagement, qm, count: int) -> int:
    existing = AuditorAccess.objects.filter(engagement=engagement).count()
    for number in range(existing, count):
        user = UserFactory(username=f"auditeur{number}")
        AuditorAccess.objects.create(engagement=engagement, user=user, granted_by=qm,
                                     starts_on=datetime.date(2026, 12, 1),
                                     ends_on=datetime.date(2027, 3, 13))
        auditor_services.invite(qm, engagement, f"invite{number}@example.org")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(engagement)).status_code == 200
    return len(queries)


def test_the_auditors_section_reads_in_a_fixed_number_of_queries(qm_browser, engagement, qm):
    assert page_queries(qm_browser, engagement, qm, 10) == page_queries(
        qm_browser, engagement, qm, 30)
