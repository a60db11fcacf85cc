"""Ledgers of background work: every dispatched task run, every reminder and its deliveries,
reminder policies per structure."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit_prep.models import Organization
from evidence.models import EvidenceItem


def default_lead_days():
    return [60, 30, 7, 0]


class TaskRun(models.Model):
    """One row per task execution attempt chain, keyed by the Celery task id."""

    class Status(models.TextChoices):
        STARTED = "started", _("started")
        RETRY = "retry", _("retrying")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    task_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=120, db_index=True)
    args = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    result = models.CharField(max_length=200, blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["name", "-started_at"])]

    def __str__(self):
        return f"{self.name} {self.status}"


class JobLock(models.Model):
    """A row per periodic job, locked (SELECT ... FOR UPDATE) while the job runs so that two
    workers never run the same job at once."""

    name = models.CharField(max_length=60, primary_key=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name


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
