"""Business operations of the notices: reading and changing a structure's reminder policy,
marking notifications read, rotating the secret address of a person's calendar feed."""

from django.db import transaction
from django.utils import timezone

from audit_prep import access, audit
from audit_prep.models import Organization, UserPreference, new_calendar_token
from audit_prep.roles import Action
from audit_prep.services import preference_of

from .models import Notification, ReminderPolicy

POLICY_FIELDS = ("lead_days", "overdue_weekly", "escalate_after_days", "audit_gap_weeks")


def policy_of(organization: Organization) -> ReminderPolicy:
    """The saved policy, or an unsaved one holding the defaults."""
    try:
        return organization.reminder_policy
    except ReminderPolicy.DoesNotExist:
        return ReminderPolicy(organization=organization)


def update_policy(actor, organization: Organization, data: dict) -> ReminderPolicy:
    """Change a structure's reminder policy (quality managers), with an audit event."""
    access.require(actor, Action.MANAGE_ORGANIZATION, organization.pk)
    with transaction.atomic():
        policy, _created = ReminderPolicy.objects.select_for_update().get_or_create(
            organization=organization)
        before = {name: getattr(policy, name) for name in POLICY_FIELDS}
        for name, value in data.items():
            setattr(policy, name, value)
        policy.full_clean()
        policy.save()
        audit.record(actor, "reminder_policy.update", policy, organization_id=organization.pk,
                     before=before, after={name: getattr(policy, name) for name in POLICY_FIELDS})
    return policy


def mark_read(notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(notifications) -> int:
    """Mark the unread ones among `notifications` (a queryset) read; returns how many."""
    return notifications.filter(read_at__isnull=True).update(read_at=timezone.now())


def reset_calendar_token(user) -> UserPreference:
    """Give `user`'s calendar feed a new secret; the previous one stops working at once."""
    preference_of(user)
    with transaction.atomic():
        preference = UserPreference.objects.select_for_update().get(user=user)
        preference.calendar_token = new_calendar_token()
        preference.save(update_fields=["calendar_token"])
        audit.record(user, "calendar.token_reset", preference, organization_id=None)
    return preference
