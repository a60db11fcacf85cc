"""Ledgers of background work: every dispatched task run and the periodic jobs' locks."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from notices.models import default_lead_days  # noqa: F401 - named by migration workers 0001


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
