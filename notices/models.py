"""Who is told what and when: each structure's reminder policy, the reminders (one row per
evidence, validity date and threshold) with their deliveries, and the in-app notifications.

A person's preferences (language, reminder opt-out, an address the mail server refused, the
secret of their calendar feed) stay on `audit_prep.models.UserPreference`: one row per person,
read by core (the language) and by notices (the rest)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit_prep.models import Organization
from checklists.models import Adoption
from evidence.models import EvidenceItem

MAX_GAP_WEEKS = 52
MAX_GAP_THRESHOLDS = 10


def default_lead_days():
    return [60, 30, 7, 0]


def default_audit_gap_weeks():
    return [8, 4, 2]


def validate_audit_gap_weeks(value) -> None:
    """A list of at most 10 distinct whole numbers of weeks, each from 1 to 52 (empty: no gap
    digest for this structure)."""
    if not isinstance(value, list) or len(value) > MAX_GAP_THRESHOLDS:
        raise ValidationError(_("Give a list of at most %(max)d numbers of weeks."),
                              code="invalid_audit_gap_weeks", params={"max": MAX_GAP_THRESHOLDS})
    if any(type(n) is not int or not 1 <= n <= MAX_GAP_WEEKS for n in value):
        raise ValidationError(_("Each number of weeks must be a whole number from 1 to 52."),
                              code="audit_gap_weeks_out_of_range")
    if len(set(value)) != len(value):
        raise ValidationError(_("Each number of weeks can be given only once."),
                              code="duplicate_audit_gap_weeks")


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
    audit_gap_weeks = models.JSONField(
        _("gap digests before the target audit date (weeks)"), default=default_audit_gap_weeks,
        validators=[validate_audit_gap_weeks], blank=True)

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


class Delivery(models.Model):
    """One digest line for one recipient: `sent_at` stays empty until the mail server accepted
    it, or `last_error` says why no e-mail was sent (opt-out, inactive, no address...)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.reminder} → {self.user_id}"  # type: ignore[attr-defined]


class ReminderDelivery(Delivery):
    """A reminder for one recipient."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="deliveries")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reminder", "user"], name="delivery_once")
        ]
        indexes = [models.Index(fields=["sent_at", "user"])]


class AuditGapReminder(models.Model):
    """One threshold (weeks before an adoption's target audit date) reached for one target
    date. The unique constraint makes each exist once whatever the runs and workers; a new
    target date starts its thresholds again. Less urgent thresholds found due together with a
    more urgent one are recorded already completed: only the most urgent is delivered."""

    adoption = models.ForeignKey(Adoption, on_delete=models.CASCADE, related_name="+")
    target_audit_date = models.DateField()
    threshold_weeks = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["adoption", "target_audit_date", "threshold_weeks"],
                                    name="audit_gap_reminder_once"),
            models.CheckConstraint(
                condition=models.Q(threshold_weeks__gte=1, threshold_weeks__lte=MAX_GAP_WEEKS),
                name="audit_gap_threshold_range"),
        ]
        indexes = [models.Index(fields=["completed_at"])]

    def __str__(self):
        return f"{self.adoption_id} {self.target_audit_date} -{self.threshold_weeks}w"


class AuditGapDelivery(Delivery):
    """A gap digest for one quality manager ("all-clear" in `last_error`: nothing failed on
    the audit date, no digest was sent)."""

    reminder = models.ForeignKey(AuditGapReminder, on_delete=models.CASCADE,
                                 related_name="deliveries")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reminder", "user"], name="audit_gap_delivery_once")
        ]
        indexes = [models.Index(fields=["sent_at", "user"])]


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


class DeadlineReminder(models.Model):
    """One reminder, to one person, of a deadline an app announced (`audit_prep.deadlines`),
    at one threshold (days before the date). The unique row makes each go out once; open while
    `sent_at` is empty (a mail server failure keeps it open for the next run), closed with the
    reason in `last_error` when no e-mail went out (decision 0027, the pattern of 0007)."""

    scope_path = "organization"

    key = models.CharField(max_length=200)
    due_date = models.DateField()
    threshold = models.PositiveSmallIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["key", "due_date", "threshold", "user"],
                                    name="deadline_reminder_once"),
        ]
        indexes = [models.Index(fields=["user"], condition=models.Q(sent_at__isnull=True),
                                name="deadline_reminder_open")]

    def __str__(self):
        return f"{self.key} {self.due_date} ({self.threshold} days before) to {self.user_id}"
