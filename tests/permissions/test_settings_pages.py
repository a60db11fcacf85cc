"""Permission matrix of the pages of a structure's settings (`/structures/<id>/settings/...`):
the same roles as the API routes they stand for. Anonymous visitors are sent to sign in;
another structure's settings are 404; a member whose role may not change a section gets 403
(its forged POST included) and reads what the API lets them read (members, referentials,
reminder policy); pending invitations are the quality managers' only.

Page forms are posted as browsers post them (multipart); a change answers a redirect
(POST/redirect/GET) and leaves its audit event, as the API's does."""

import datetime

from audit_prep.invitations import tokens
from audit_prep.models import Invitation, InvitationStatus, Membership
from audit_prep.roles import Role
from checklists.models import Adoption, Exclusion

from .base import Area, Endpoint, MatrixSuite
from .world import ReminderPolicy

SETTINGS = "/structures/{org}/settings/"
MEMBER = SETTINGS + "members/{membership}/"
INVITATION = SETTINGS + "invitations/{invitation}/"
ADOPTION = SETTINGS + "referentials/{adoption}/"
JUSTIFICATION = "Pas de conception : la structure met du personnel a disposition."


def _form(**fields):
    return lambda w: dict(fields)


ENDPOINTS = [
    Endpoint("structure-settings", "GET", SETTINGS),
    Endpoint("structure-settings-members", "GET", SETTINGS + "members/"),
    Endpoint("structure-settings-member-role", "POST", MEMBER + "role/",
             data=_form(role=Role.CONTRIBUTOR), multipart=True),
    Endpoint("structure-settings-member-role", "GET", MEMBER + "role/"),
    Endpoint("structure-settings-member-remove", "GET", MEMBER + "remove/"),
    Endpoint("structure-settings-member-remove", "POST", MEMBER + "remove/"),
    Endpoint("structure-settings-invitations", "GET", SETTINGS + "invitations/"),
    Endpoint("structure-settings-invitations", "POST", SETTINGS + "invitations/",
             data=_form(email="Nouvelle@example.org", role=Role.CONTRIBUTOR), multipart=True),
    Endpoint("structure-settings-invitation-resend", "POST", INVITATION + "resend/"),
    Endpoint("structure-settings-invitation-withdraw", "POST", INVITATION + "withdraw/"),
    Endpoint("structure-settings-invitation-withdraw", "GET", INVITATION + "withdraw/"),
    Endpoint("structure-settings-referentials", "GET", SETTINGS + "referentials/"),
    Endpoint("structure-settings-referentials", "POST", SETTINGS + "referentials/",
             data=lambda w: {"referential": w.ids["unadopted_referential"],
                             "target_audit_date": "2027-06-30"}, multipart=True),
    Endpoint("structure-settings-adoption", "GET", ADOPTION),
    Endpoint("structure-settings-adoption", "POST", ADOPTION,
             data=_form(target_audit_date="2027-04-02", warning_days="45"), multipart=True),
    Endpoint("structure-settings-exclusions", "GET", ADOPTION + "exclusions/"),
    Endpoint("structure-settings-exclusions", "POST", ADOPTION + "exclusions/",
             data=lambda w: {"requirement": w.ids["excludable_requirement"],
                             "justification": JUSTIFICATION}, multipart=True),
    Endpoint("structure-settings-exclusion-include", "POST",
             SETTINGS + "exclusions/{exclusion}/include/"),
    Endpoint("structure-settings-exclusion-include", "GET",
             SETTINGS + "exclusions/{exclusion}/include/"),
    Endpoint("structure-settings-reminders", "GET", SETTINGS + "reminders/"),
    Endpoint("structure-settings-reminders", "POST", SETTINGS + "reminders/",
             data=_form(lead_days="45, 15", escalate_after_days="5", audit_gap_weeks="6, 3"),
             multipart=True),
]

# fmt: off
MATRIX = {
    # endpoint                                  anon.  viewer contributor quality_mgr outsider
    "structure-settings GET":                       (302,  302,   302,        302,            404),
    "structure-settings-members GET":               (302,  200,   200,        200,            404),
    "structure-settings-member-role POST":          (302,  403,   403,        302,            404),
    # the changes are forms' POSTs: a GET of their address is not allowed, whoever asks
    "structure-settings-member-role GET":           (302,  405,   405,        405,            405),
    "structure-settings-member-remove GET":         (302,  403,   403,        200,            404),
    "structure-settings-member-remove POST":        (302,  403,   403,        302,            404),
    # pending addresses are the quality managers' (the API lists none to other members)
    "structure-settings-invitations GET":           (302,  403,   403,        200,            404),
    "structure-settings-invitations POST":          (302,  403,   403,        302,            404),
    "structure-settings-invitation-resend POST":    (302,  403,   403,        302,            404),
    "structure-settings-invitation-withdraw POST":  (302,  403,   403,        302,            404),
    "structure-settings-invitation-withdraw GET":   (302,  405,   405,        405,            405),
    # the referentials followed, and the exclusions, are read by every member (as in the API)
    "structure-settings-referentials GET":          (302,  200,   200,        200,            404),
    "structure-settings-referentials POST":         (302,  403,   403,        302,            404),
    "structure-settings-adoption GET":              (302,  200,   200,        200,            404),
    "structure-settings-adoption POST":             (302,  403,   403,        302,            404),
    "structure-settings-exclusions GET":            (302,  200,   200,        200,            404),
    "structure-settings-exclusions POST":           (302,  403,   403,        302,            404),
    "structure-settings-exclusion-include POST":    (302,  403,   403,        302,            404),
    "structure-settings-exclusion-include GET":     (302,  405,   405,        405,            405),
    "structure-settings-reminders GET":             (302,  200,   200,        200,            404),
    "structure-settings-reminders POST":            (302,  403,   403,        302,            404),
}
# fmt: on


def _page(endpoint, w, subject, response):
    """A settings page of `org` (or the redirect of its address to the members' page)."""
    if endpoint.route == "structure-settings":
        assert response["Location"] == f"/structures/{w.org.pk}/settings/members/"
        return
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert w.org.name in text and "Chantier voisin" not in text


def _back_to(section):
    def check(w, response):
        assert response["Location"] == f"/structures/{w.org.pk}/settings/{section}/"
    return check


def _role_changed(w, response, user):
    _back_to("members")(w, response)
    assert Membership.objects.get(pk=w.ids["membership"]).role == Role.CONTRIBUTOR


def _member_removed(w, response, user):
    _back_to("members")(w, response)
    assert not Membership.objects.filter(pk=w.ids["membership"]).exists()


def _invited(w, response, user):
    _back_to("invitations")(w, response)
    invitation = Invitation.objects.get(email="Nouvelle@example.org")
    assert (invitation.organization, invitation.role, invitation.invited_by) == (
        w.org, Role.CONTRIBUTOR, user)


def _invitation(status):
    def check(w, response, user):
        _back_to("invitations")(w, response)
        invitation = Invitation.objects.get(pk=w.ids["invitation"])
        assert invitation.status == status
        if status == InvitationStatus.PENDING:  # re-sent: the e-mailed secret opens nothing
            assert invitation.token_hash != tokens.hash_of(w.ids["invitation_token"])
    return check


def _adopted(w, response, user):
    adoption = Adoption.objects.get(organization=w.org,
                                    referential_id=w.ids["unadopted_referential"])
    assert response["Location"] == f"/structures/{w.org.pk}/settings/referentials/{adoption.pk}/"
    assert (adoption.target_audit_date, adoption.adopted_by) == (datetime.date(2027, 6, 30), user)


def _adoption_changed(w, response, user):
    path = f"/structures/{w.org.pk}/settings/referentials/{w.ids['adoption']}/"
    assert response["Location"] == path
    adoption = Adoption.objects.get(pk=w.ids["adoption"])
    assert (adoption.target_audit_date, adoption.warning_days) == (datetime.date(2027, 4, 2), 45)


def _excluded(w, response, user):
    path = f"/structures/{w.org.pk}/settings/referentials/{w.ids['adoption']}/exclusions/"
    assert response["Location"] == path
    exclusion = Exclusion.objects.get(organization=w.org,
                                      requirement_id=w.ids["excludable_requirement"])
    assert (exclusion.justification, exclusion.decided_by) == (JUSTIFICATION, user)


def _included(w, response, user):
    own = Adoption.objects.get(organization=w.org, referential_id=w.ids["referential"])
    assert response["Location"] == (
        f"/structures/{w.org.pk}/settings/referentials/{own.pk}/exclusions/")
    assert not Exclusion.objects.filter(pk=w.ids["exclusion"]).exists()


def _policy_changed(w, response, user):
    assert response["Location"] == f"/structures/{w.org.pk}/settings/reminders/"
    policy = ReminderPolicy.objects.get(organization=w.org)
    assert (policy.lead_days, policy.overdue_weekly, policy.escalate_after_days,
            policy.audit_gap_weeks) == ([45, 15], False, 5, [6, 3])


EFFECTS = {
    "structure-settings-member-role POST": _role_changed,
    "structure-settings-member-remove POST": _member_removed,
    "structure-settings-invitations POST": _invited,
    "structure-settings-invitation-resend POST": _invitation(InvitationStatus.PENDING),
    "structure-settings-invitation-withdraw POST": _invitation(InvitationStatus.WITHDRAWN),
    "structure-settings-referentials POST": _adopted,
    "structure-settings-adoption POST": _adoption_changed,
    "structure-settings-exclusions POST": _excluded,
    "structure-settings-exclusion-include POST": _included,
    "structure-settings-reminders POST": _policy_changed,
}


class TestSettingsPages(MatrixSuite):
    area = Area(endpoints=ENDPOINTS, matrix=MATRIX, effects=EFFECTS,
                reads={route: _page for route in {endpoint.route for endpoint in ENDPOINTS}})
