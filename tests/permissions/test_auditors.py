"""Permission matrix of an audit's external auditors (decision 0029): invitations, accesses
(extend, revoke) and the access log, in the API and on the audit's page in the structure's
settings. Quality managers only: other members are refused (403 where they see the audit, 404
for the rows they do not see), another structure's people get 404. Each structure's audit has
an open auditor access and a pending invitation (`world._audits_of`); the audit's own auditor
reaching these routes is in tests/audits/test_auditor_pages.py (404 everywhere)."""

import datetime

from audits.models import AuditorAccess, AuditorInvitation

from .base import Area, CrossStructureSuite, Endpoint, MatrixSuite
from .test_audits import AUDITS_PAGE, ENGAGEMENTS, _last_events

INVITATIONS, ACCESSES = "/api/v1/auditor-invitations/", "/api/v1/auditor-accesses/"
PAGE = AUDITS_PAGE + "{engagement}/"
NEW_END = datetime.date(2027, 5, 31)


def invitation_create(w):
    return {"engagement": w.ids["engagement"], "email": "nouvel.auditeur@example.org"}


ENDPOINTS = [
    Endpoint("auditorinvitation-list", "GET", INVITATIONS, listing=AuditorInvitation),
    Endpoint("auditorinvitation-detail", "GET", INVITATIONS + "{auditor_invitation}/"),
    Endpoint("auditorinvitation-list", "POST", INVITATIONS, data=invitation_create),
    Endpoint("auditorinvitation-list", "POST", INVITATIONS, "invalid body",
             data=lambda w: {**invitation_create(w), "email": "pas une adresse"}),
    Endpoint("auditorinvitation-resend", "POST", INVITATIONS + "{auditor_invitation}/resend/"),
    Endpoint("auditorinvitation-withdraw", "POST",
             INVITATIONS + "{auditor_invitation}/withdraw/"),
    Endpoint("auditoraccess-list", "GET", ACCESSES, listing=AuditorAccess),
    Endpoint("auditoraccess-detail", "GET", ACCESSES + "{auditor_access}/"),
    Endpoint("auditoraccess-extend", "POST", ACCESSES + "{auditor_access}/extend/",
             data=lambda w: {"ends_on": NEW_END.isoformat()}),
    Endpoint("auditoraccess-revoke", "POST", ACCESSES + "{auditor_access}/revoke/"),
    Endpoint("engagement-access-log", "GET", ENGAGEMENTS + "{engagement}/access-log/"),
    # the pages (forms posted as browsers post them)
    Endpoint("structure-settings-auditor-invite", "POST", PAGE + "auditors/invite/",
             multipart=True, data=lambda w: {"email": "nouvel.auditeur@example.org"}),
    Endpoint("structure-settings-auditor-invite", "GET", PAGE + "auditors/invite/"),
    Endpoint("structure-settings-auditor-invitation-resend", "POST",
             PAGE + "auditors/invitations/{auditor_invitation}/resend/"),
    Endpoint("structure-settings-auditor-invitation-withdraw", "POST",
             PAGE + "auditors/invitations/{auditor_invitation}/withdraw/"),
    Endpoint("structure-settings-auditor-extend", "POST",
             PAGE + "auditors/{auditor_access}/extend/", multipart=True,
             data=lambda w: {"ends_on": NEW_END.isoformat()}),
    Endpoint("structure-settings-auditor-revoke", "POST",
             PAGE + "auditors/{auditor_access}/revoke/"),
    Endpoint("structure-settings-engagement-access-log", "GET", PAGE + "access-log/"),
]

# fmt: off
MATRIX = {
    # endpoint                           anonymous viewer contributor quality_manager outsider
    "auditorinvitation-list GET":                   (401, 200, 200, 200, 200),
    "auditorinvitation-detail GET":                 (401, 404, 404, 200, 404),
    "auditorinvitation-list POST":                  (401, 403, 403, 201, 400),
    "auditorinvitation-list POST invalid body":     (401, 403, 403, 400, 400),
    "auditorinvitation-resend POST":                (401, 404, 404, 200, 404),
    "auditorinvitation-withdraw POST":              (401, 404, 404, 200, 404),
    "auditoraccess-list GET":                       (401, 200, 200, 200, 200),
    "auditoraccess-detail GET":                     (401, 404, 404, 200, 404),
    "auditoraccess-extend POST":                    (401, 404, 404, 200, 404),
    "auditoraccess-revoke POST":                    (401, 404, 404, 200, 404),
    "engagement-access-log GET":                    (401, 403, 403, 200, 404),
    "structure-settings-auditor-invite POST":       (302, 403, 403, 302, 404),
    "structure-settings-auditor-invite GET":        (302, 405, 405, 405, 405),
    "structure-settings-auditor-invitation-resend POST":   (302, 403, 403, 302, 404),
    "structure-settings-auditor-invitation-withdraw POST": (302, 403, 403, 302, 404),
    "structure-settings-auditor-extend POST":       (302, 403, 403, 302, 404),
    "structure-settings-auditor-revoke POST":       (302, 403, 403, 302, 404),
    "structure-settings-engagement-access-log GET": (302, 403, 403, 200, 404),
}
# fmt: on


def _page_done(w, response):
    if not response["Content-Type"].startswith("application/json"):
        assert response["Location"] == f"/structures/{w.org.pk}/settings/audits/" \
            f"{w.ids['engagement']}/"


def _invited(w, response, user):
    invitation = AuditorInvitation.objects.get(email="nouvel.auditeur@example.org")
    assert invitation.engagement_id == w.ids["engagement"] and invitation.invited_by == user
    assert invitation.ends_on == datetime.date(2027, 4, 15)  # 30 days after the last day
    _page_done(w, response)
    _last_events("auditor_invitation.create")


def _invitation_is(status, action):
    def check(w, response, user):
        invitation = AuditorInvitation.objects.get(pk=w.ids["auditor_invitation"])
        assert invitation.status == status
        _page_done(w, response)
        _last_events(action)
    return check


def _extended(w, response, user):
    assert AuditorAccess.objects.get(pk=w.ids["auditor_access"]).ends_on == NEW_END
    _page_done(w, response)
    _last_events("auditor_access.extend")


def _revoked(w, response, user):
    row = AuditorAccess.objects.get(pk=w.ids["auditor_access"])
    assert row.revoked_at is not None and row.revoked_by == user
    _page_done(w, response)
    _last_events("auditor_access.revoke")


def _log(endpoint, w, subject, response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff") and "auditor_invitation.create" in body


EFFECTS = {
    "auditorinvitation-list POST": _invited,
    "structure-settings-auditor-invite POST": _invited,
    "auditorinvitation-resend POST": _invitation_is("pending", "auditor_invitation.resend"),
    "structure-settings-auditor-invitation-resend POST":
        _invitation_is("pending", "auditor_invitation.resend"),
    "auditorinvitation-withdraw POST":
        _invitation_is("withdrawn", "auditor_invitation.withdraw"),
    "structure-settings-auditor-invitation-withdraw POST":
        _invitation_is("withdrawn", "auditor_invitation.withdraw"),
    "auditoraccess-extend POST": _extended,
    "structure-settings-auditor-extend POST": _extended,
    "auditoraccess-revoke POST": _revoked,
    "structure-settings-auditor-revoke POST": _revoked,
}

READS = {"engagement-access-log": _log, "structure-settings-engagement-access-log": _log}


class TestAuditors(MatrixSuite, CrossStructureSuite):
    area = Area(endpoints=ENDPOINTS, matrix=MATRIX, effects=EFFECTS, reads=READS,
                filters=[(INVITATIONS + "?engagement={}", "engagement"),
                         (ACCESSES + "?engagement={}", "engagement")])
