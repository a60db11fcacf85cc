"""Permission matrix of the notices: a person's own in-app notifications and e-mail
preferences, and each structure's reminder policy. Subjects and the world: see `world.py`; the
checks: `base.py`.

A person's own things belong to no role: each signed-in subject lists and changes its own only,
and another person's notification is answered 404 whatever the role, that of the quality
manager of its structure included. Marking one's own notifications read and changing one's own
preferences are not auditable changes: they leave no audit event and change that person's
rows only (the calendar token, a secret, is audited: see the test below and
tests/checklists/test_calendar.py).
"""

from rest_framework.test import APIClient

from audit_prep.models import AuditEvent
from tests.factories import UserFactory

from .base import Area, Endpoint, MatrixSuite
from .world import (
    DEFAULT_POLICY,
    NEW_PREFERENCES,
    OTHER_POLICY,
    PREFERENCES,
    Notification,
    ReminderPolicy,
    UserPreference,
)

ENDPOINTS = [
    # a person's own notifications; the detail rows act on the viewer's
    Endpoint("notification-list", "GET", "/api/v1/notifications/"),
    Endpoint("notification-detail", "GET", "/api/v1/notifications/{notification}/"),
    Endpoint("notification-read", "POST", "/api/v1/notifications/{notification}/read/"),
    Endpoint("notification-read-all", "POST", "/api/v1/notifications/read-all/"),
    # reminder policies, by structure id (org has none saved: the defaults)
    Endpoint("reminderpolicy-list", "GET", "/api/v1/reminder-policies/"),
    Endpoint("reminderpolicy-detail", "GET", "/api/v1/reminder-policies/{org}/"),
    Endpoint("reminderpolicy-detail", "PATCH", "/api/v1/reminder-policies/{org}/",
             data=lambda w: {"lead_days": [14, 90], "escalate_after_days": 3}),
    Endpoint("reminderpolicy-detail", "PUT", "/api/v1/reminder-policies/{org}/",
             data=lambda w: {**DEFAULT_POLICY, "lead_days": [14, 90]}),
    # outside the router
    Endpoint("me-preferences", "GET", "/api/v1/me/preferences/"),
    Endpoint("me-preferences", "PATCH", "/api/v1/me/preferences/",
             data=lambda w: NEW_PREFERENCES),
    # the account pages over the same serializer and services
    Endpoint("account-preferences", "GET", "/account/preferences/"),
    Endpoint("account-preferences", "POST", "/account/preferences/", multipart=True,
             data=lambda w: {"language": "en", "reminders_opt_out": "on"}),
    Endpoint("account-calendar-reset", "POST", "/account/calendar/reset/", multipart=True,
             data=lambda w: {"confirm": "on"}),
    Endpoint("notifications-page", "GET", "/account/notifications/"),
    Endpoint("notification-page-read", "POST", "/account/notifications/{notification}/read/"),
    Endpoint("notifications-page-read-all", "POST", "/account/notifications/read-all/"),
]

# fmt: off
MATRIX = {
    # endpoint                          anonymous viewer contributor quality_manager outsider
    "notification-list GET":                (401,  200,   200,        200,            200),
    # the viewer's notification: 404 for anyone else, its structure's quality manager included
    "notification-detail GET":              (401,  200,   404,        404,            404),
    "notification-read POST":               (401,  200,   404,        404,            404),
    "notification-read-all POST":           (401,  200,   200,        200,            200),
    "reminderpolicy-list GET":              (401,  200,   200,        200,            200),
    "reminderpolicy-detail GET":            (401,  200,   200,        200,            404),
    "reminderpolicy-detail PATCH":          (401,  403,   403,        200,            404),
    # reminder policies are changed with PATCH only
    "reminderpolicy-detail PUT":            (401,  405,   405,        405,            405),
    "me-preferences GET":                   (401,  200,   200,        200,            200),
    "me-preferences PATCH":                 (401,  200,   200,        200,            200),
    # pages: anonymous visitors are sent to sign in; a person's own things only
    "account-preferences GET":              (302,  200,   200,        200,            200),
    "account-preferences POST":             (302,  302,   302,        302,            302),
    "account-calendar-reset POST":          (302,  302,   302,        302,            302),
    "notifications-page GET":               (302,  200,   200,        200,            200),
    "notification-page-read POST":          (302,  302,   404,        404,            404),
    "notifications-page-read-all POST":     (302,  302,   302,        302,            302),
}
# fmt: on


def _own_notifications(endpoint, w, subject, response):
    own = set(Notification.objects.filter(user=w.users[subject]).values_list("pk", flat=True))
    assert own and {item["id"] for item in response.json()["results"]} == own


def _policies(endpoint, w, subject, response):
    org, policy = ((w.other_org, OTHER_POLICY) if subject == "outsider"
                   else (w.org, DEFAULT_POLICY))
    assert response.json()["results"] == [{"organization": org.pk, **policy}]


def _policy(endpoint, w, subject, response):
    assert response.json() == {"organization": w.org.pk, **DEFAULT_POLICY}


def _preferences(endpoint, w, subject, response):
    language, opt_out = PREFERENCES[subject]
    assert response.json() == {"language": language, "reminders_opt_out": opt_out,
                               "email_refused": ""}


def _own_page(endpoint, w, subject, response):
    """A page of the subject's own things: anonymous visitors go to sign in."""
    if subject == "anonymous":
        assert response["Location"] == f"/accounts/login/?next={endpoint.path}"
        return
    text = response.content.decode()
    if endpoint.route == "notifications-page":  # the subject's own notification only
        assert f"<h2>1 preuve a renouveler ({subject})</h2>" in text
        assert text.count("<h2>1 preuve a renouveler (") == 1
    else:
        language, _opt_out = PREFERENCES[subject]
        assert f'<option value="{language}" lang="{language}" selected>' in text
        assert "/calendar/" in text


READS = {"notification-list": _own_notifications, "reminderpolicy-list": _policies,
         "reminderpolicy-detail": _policy, "me-preferences": _preferences,
         "account-preferences": _own_page, "notifications-page": _own_page}


def _policy_changed(w, response, user):
    assert response.json() == {**DEFAULT_POLICY, "organization": w.org.pk,
                               "lead_days": [90, 14], "escalate_after_days": 3}
    policy = ReminderPolicy.objects.get(organization=w.org)
    assert (policy.lead_days, policy.escalate_after_days) == ([90, 14], 3)
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.organization_id) == ("reminder_policy.update", w.org.pk)
    assert (event.before["lead_days"], event.after["lead_days"]) == ([60, 30, 7, 0], [90, 14])


def _notification_read(w, response, user):
    assert response.json()["id"] == w.ids["notification"] and response.json()["read_at"]
    assert Notification.objects.get(pk=w.ids["notification"]).read_at is not None


def _all_notifications_read(w, response, user):
    assert response.json() == {"updated": 1}  # each person has one unread in the world
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()


def _preferences_changed(w, response, user):
    assert response.json() == {**NEW_PREFERENCES, "email_refused": ""}
    preference = UserPreference.objects.get(user=user)
    assert (preference.language, preference.reminders_opt_out) == ("en", True)


def _page_preferences_changed(w, response, user):
    assert response["Location"] == "/account/preferences/"
    preference = UserPreference.objects.get(user=user)
    assert (preference.language, preference.reminders_opt_out) == ("en", True)


def _calendar_reset(w, response, user):
    assert response["Location"] == "/account/preferences/"
    event = AuditEvent.objects.latest("id")
    assert (event.actor_id, event.action) == (user.pk, "calendar.token_reset")


def _page_notification_read(w, response, user):
    assert response["Location"] == "/account/notifications/"
    assert Notification.objects.get(pk=w.ids["notification"]).read_at is not None


def _page_all_read(w, response, user):
    assert response["Location"] == "/account/notifications/"
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()


EFFECTS = {
    "account-preferences POST": _page_preferences_changed,
    "account-calendar-reset POST": _calendar_reset,
    "notification-page-read POST": _page_notification_read,
    "notifications-page-read-all POST": _page_all_read,
    "reminderpolicy-detail PATCH": _policy_changed,
    "notification-read POST": _notification_read,
    "notification-read-all POST": _all_notifications_read,
    "me-preferences PATCH": _preferences_changed,
}


class TestNotices(MatrixSuite):
    area = Area(
        endpoints=ENDPOINTS, matrix=MATRIX, effects=EFFECTS, reads=READS,
        # writes to a person's own things: only that person's rows of this table may change
        personal={"notification-read POST": Notification,
                  "notification-read-all POST": Notification,
                  "me-preferences PATCH": UserPreference,
                  "account-preferences POST": UserPreference,
                  "notification-page-read POST": Notification,
                  "notifications-page-read-all POST": Notification},
        options_paths=("/api/v1/notifications/{notification}/",
                       "/api/v1/notifications/{notification}/read/",
                       "/api/v1/reminder-policies/{org}/"),
    )


def test_calendar_address_is_audited_when_preferences_came_first(world):
    user = UserFactory(username="sans-preferences")  # no preference yet, unlike the subjects
    client = APIClient()
    client.force_authenticate(user)
    assert client.get("/api/v1/me/preferences/").status_code == 200
    assert client.get("/api/v1/me/calendar/").status_code == 200
    assert AuditEvent.objects.filter(actor=user, action="calendar.token_create").count() == 1
