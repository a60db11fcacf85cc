"""The reminder policy of a structure, in its settings: read by every member, changed by
quality managers with the API's serializer, service, audit event and messages."""

import re

from audit_prep.models import AuditEvent
from notices.models import ReminderPolicy

from .pages import settings, text

POLICY = {"lead_days": "45; 15", "escalate_after_days": "5", "audit_gap_weeks": "6, 3"}


def test_the_form_shows_the_default_policy(manager, org):
    page = text(manager.get(settings(org, "reminders/")))
    assert 'value="60, 30, 7, 0"' in page and 'value="8, 4, 2"' in page and 'value="14"' in page
    assert re.search(r'id="policy-overdue-weekly" name="overdue_weekly" type="checkbox"\s+checked',
                     page)


def test_a_quality_manager_changes_the_policy(manager, org, qm):
    response = manager.post(settings(org, "reminders/"), POLICY, follow=True)
    assert response.redirect_chain == [(settings(org, "reminders/"), 302)]
    page = text(response)
    assert "La politique de relance a été enregistrée." in page
    assert 'value="45, 15"' in page and 'value="6, 3"' in page
    policy = ReminderPolicy.objects.get(organization=org)
    assert (policy.lead_days, policy.overdue_weekly, policy.escalate_after_days,
            policy.audit_gap_weeks) == ([45, 15], False, 5, [6, 3])
    event = AuditEvent.objects.get(action="reminder_policy.update")
    assert (event.actor, event.before["lead_days"], event.after["overdue_weekly"]) == (
        qm, [60, 30, 7, 0], False)

    no_digest = manager.post(settings(org, "reminders/"), {**POLICY, "audit_gap_weeks": "",
                                                           "overdue_weekly": "on"})
    assert no_digest.status_code == 302
    policy.refresh_from_db()
    assert (policy.audit_gap_weeks, policy.overdue_weekly) == ([], True)


def test_bad_numbers_are_refused_beside_their_fields(manager, org):
    refused = manager.post(settings(org, "reminders/"), {
        "lead_days": "30, 30", "escalate_after_days": "400", "audit_gap_weeks": "six"})
    assert refused.status_code == 400
    page = text(refused)
    assert re.search(r'id="policy-lead-days-errors"><li>Chaque délai ne peut figurer qu\'une '
                     r"fois.", page)
    assert 'id="policy-escalate-errors"' in page and 'id="policy-audit-gaps-errors"' in page
    assert 'value="six"' in page  # what was typed stays
    assert not ReminderPolicy.objects.filter(organization=org).exists()


def test_other_members_read_the_policy_and_cannot_change_it(browser_for, org, contributor):
    client = browser_for(contributor)
    page = client.get(settings(org, "reminders/"))
    assert page.status_code == 200
    assert "60, 30, 7, 0" in text(page) and 'name="lead_days"' not in text(page)
    assert client.post(settings(org, "reminders/"), POLICY).status_code == 403
    assert not ReminderPolicy.objects.filter(organization=org).exists()


def test_an_outsider_gets_404_and_a_post_needs_the_csrf_token(browser_for, org, qm, outsider):
    assert browser_for(outsider).get(settings(org, "reminders/")).status_code == 404
    assert browser_for(outsider).post(settings(org, "reminders/"), POLICY).status_code == 404
    assert browser_for(qm, csrf=True).post(settings(org, "reminders/"),
                                           POLICY).status_code == 403
    assert not ReminderPolicy.objects.filter(organization=org).exists()
