"""Who is told what and when: each structure's reminder policy, the reminders (one row per
evidence, validity date and threshold) with their deliveries, and the in-app notifications.

A person's preferences (language, reminder opt-out, an address the mail server refused, the
secret of their calendar feed) stay on `audit_prep.models.UserPreference`: one row per person,
read by core (the language) and by notices (the rest)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit_prep.models import Organization
from evidence.models import EvidenceItem


def default_lead_days():
    return [60, 30, 7, 0]


class ReminderPolicy(models.Model):
    """A structure's reminder settings."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="reminder_policy"
    )
    lead_days = models.JSONField(_("reminder lead times (days)"), default=default_lead_days)
    overdue_weekly = models.BooleanField(_("weekly reminder while overdue"), default=True)
    escalate_after_days = models.PositiveSmallIntegerField(
        _("escalate to quality managers after (days overdue)"), default=14
    )

    def __str__(self):
        return f"{self.organization}: {self.lead_days}"


class Reminder(models.Model):
    """One reminder threshold reached by one evidence item for one validity date. The unique
    constraint makes each reminder exist exactly once, whatever the number of runs and
    workers; a renewed evidence (new validity date) starts its reminders again. Thresholds are
    days before the end (60, 30, 7, 0), or negative multiples of 7 while overdue."""

    evidence = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE, related_name="+")
    valid_until = models.DateField()
    threshold = models.SmallIntegerField()
    escalated = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evidence", "valid_until", "threshold"],
                                    name="reminder_once")
        ]
        indexes = [models.Index(fields=["completed_at"])]

    def __str__(self):
        return f"{self.evidence_id} {self.valid_until} {self.threshold}"


class ReminderDelivery(models.Model):
    """A reminder for one recipient; sent_at stays empty until the mail server accepted it."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reminder", "user"], name="delivery_once")
        ]
        indexes = [models.Index(fields=["sent_at", "user"])]

    def __str__(self):
        return f"{self.reminder} → {self.user_id}"


class Notification(models.Model):
    """An in-app message for one person (reminders, integrity alerts)."""

    scope_path = "organization"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True, default="")
    link = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.title
