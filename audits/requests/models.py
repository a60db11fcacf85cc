"""Evidence requests, their answers and their two threads. Imported by `audits.models`."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Range
from django.utils.translation import gettext_lazy as _

from checklists.models import Requirement
from evidence.models import EvidenceItem

from ..models import Engagement

MAX_ASKED = 2000
MAX_MESSAGE = 2000


class RequestStatus(models.TextChoices):
    """Where the structure is with a request (never shown to the auditor)."""

    OPEN = "open", _("to answer")
    IN_PROGRESS = "in_progress", _("being answered")
    ANSWERED = "answered", _("answered, to submit")
    SUBMITTED = "submitted", _("submitted to the auditor")
    CLOSED = "closed", _("accepted by the auditor, closed")


class AuditorStatus(models.TextChoices):
    """What the auditor sees of a request."""

    REQUESTED = "requested", _("awaiting an answer")
    SUBMITTED = "submitted", _("answer submitted")
    ACCEPTED = "accepted", _("answer accepted")
    MORE_NEEDED = "more_needed", _("more needed")


class RequestOrigin(models.TextChoices):
    AUDITOR = "auditor", _("the auditor")
    STRUCTURE = "structure", _("the structure")


class Thread(models.TextChoices):
    AUDITOR = "auditor", _("with the auditor")
    INTERNAL = "internal", _("internal")


class EvidenceRequest(models.Model):
    """A document the auditor asks for in one engagement: the requirements it concerns, what
    is asked, by when, and the member who answers it. `status` is the structure's own;
    `auditor_status` is what the auditor sees, and moves only when a quality manager submits
    the answers or the auditor reviews them."""

    scope_path = "engagement__organization"

    # Only an audit that has not started can be cancelled (removed): its requests go with it.
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE,
                                   related_name="evidence_requests")
    requirements = models.ManyToManyField(Requirement, related_name="+",
                                          verbose_name=_("requirements"))
    asked = models.TextField(_("what is asked"), max_length=MAX_ASKED)
    due_date = models.DateField(_("due date"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+", null=True, blank=True,
                                 verbose_name=_("assignee"))
    status = models.CharField(_("status"), max_length=20, choices=RequestStatus.choices,
                              default=RequestStatus.OPEN)
    auditor_status = models.CharField(_("status shown to the auditor"), max_length=20,
                                      choices=AuditorStatus.choices,
                                      default=AuditorStatus.REQUESTED)
    origin = models.CharField(_("asked by"), max_length=20, choices=RequestOrigin.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("last submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", null=True, blank=True)

    class Meta:
        verbose_name = _("evidence request")
        verbose_name_plural = _("evidence requests")
        ordering = ["engagement_id", "due_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values),
                                   name="evidence_request_status_valid"),
            models.CheckConstraint(condition=Q(auditor_status__in=AuditorStatus.values),
                                   name="evidence_request_auditor_status_valid"),
            models.CheckConstraint(condition=Q(origin__in=RequestOrigin.values),
                                   name="evidence_request_origin_valid"),
            # accepted by the auditor exactly when closed; submitted shows as submitted
            models.CheckConstraint(
                condition=Q(status=RequestStatus.CLOSED, auditor_status=AuditorStatus.ACCEPTED)
                | (~Q(status=RequestStatus.CLOSED) & ~Q(auditor_status=AuditorStatus.ACCEPTED)),
                name="evidence_request_closed_when_accepted"),
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.SUBMITTED)
                | Q(auditor_status=AuditorStatus.SUBMITTED, submitted_at__isnull=False),
                name="evidence_request_submitted_shown"),
            models.CheckConstraint(condition=Q(Range(Length("asked"), (1, MAX_ASKED))),
                                   name="evidence_request_asked_length"),
        ]
        indexes = [models.Index(fields=["engagement", "status"]),
                   models.Index(fields=["assignee", "due_date"])]

    def __str__(self):
        return f"{self.reference}: {self.asked[:60]}"

    @property
    def reference(self) -> str:
        """How people name a request: DP-000012 (derived from the id, never stored)."""
        return f"DP-{self.pk:06d}" if self.pk else "DP-?"


class RequestAnswer(models.Model):
    """An evidence item the structure gives as (part of) the answer to a request. The auditor
    sees it only once a quality manager submitted it (`submitted_at`); a submitted answer
    stays."""

    scope_path = "request__engagement__organization"

    request = models.ForeignKey(EvidenceRequest, on_delete=models.CASCADE,
                                related_name="answers")
    evidence = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request_id", "added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "evidence"],
                                    name="request_answer_once"),
        ]

    def __str__(self):
        return f"{self.request_id} ← {self.evidence_id}"


class RequestMessage(models.Model):
    """One plain-text message on one of a request's two threads: `auditor` (the auditor and
    the structure) or `internal` (the structure's members only, never shown to the auditor)."""

    scope_path = "request__engagement__organization"

    request = models.ForeignKey(EvidenceRequest, on_delete=models.CASCADE,
                                related_name="messages")
    thread = models.CharField(max_length=10, choices=Thread.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    body = models.TextField(_("message"), max_length=MAX_MESSAGE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["request_id", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(thread__in=Thread.values),
                                   name="request_message_thread_valid"),
            models.CheckConstraint(condition=Q(Range(Length("body"), (1, MAX_MESSAGE))),
                                   name="request_message_length"),
        ]
        indexes = [models.Index(fields=["request", "thread", "created_at"])]

    def __str__(self):
        return f"{self.request_id} [{self.thread}] {self.body[:40]}"


__all__ = ["AuditorStatus", "EvidenceRequest", "RequestAnswer", "RequestMessage",
           "RequestOrigin", "RequestStatus", "Thread"]
