"""Findings of an audit (issue 13 item 4, decision 0026): the grading scales a structure keeps
per certification body, the findings an auditor records on one engagement (each correction a
new version; a published version is locked and hashed), the structure's answer and its
corrective actions. Imported by `audits.models`."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from audit_prep.models import Organization
from checklists.models import Requirement
from evidence.models import EvidenceItem


class Severity(models.TextChoices):
    NONE = "none", _("not a nonconformity")
    MINOR = "minor", _("minor nonconformity")
    MAJOR = "major", _("major nonconformity")


class GradingScale(models.Model):
    """The grades one certification body uses, in a structure; the scale with no certification
    body is the structure's default (internal and cross audits, bodies without their own)."""

    scope_path: ClassVar[str] = "organization"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT,
                                     related_name="grading_scales")
    certification_body = models.CharField(_("certification body"), max_length=200, blank=True,
                                          default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("grading scale")
        verbose_name_plural = _("grading scales")
        ordering = ["organization_id", "certification_body", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "certification_body"],
                                    name="grading_scale_one_per_body"),
        ]

    def __str__(self):
        return self.certification_body or str(_("default scale"))


class Grade(models.Model):
    """One grade of a scale, in the scale's order: its code and labels, whether it is a
    nonconformity (and how severe), whether it feeds the improvement plan, and the deadlines
    it implies, counted from the audit's last day (a corrective-action plan within
    `plan_days`, verification within `verification_months`)."""

    scope_path: ClassVar[str] = "scale__organization"

    scale = models.ForeignKey(GradingScale, on_delete=models.CASCADE, related_name="grades")
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.SlugField(_("code"), max_length=40)
    label_fr = models.CharField(_("French label"), max_length=100)
    label_en = models.CharField(_("English label"), max_length=100)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices,
                                default=Severity.NONE)
    improvement = models.BooleanField(_("feeds the improvement plan"), default=False)
    plan_days = models.PositiveSmallIntegerField(
        _("corrective-action plan due (days after the audit)"), null=True, blank=True)
    verification_months = models.PositiveSmallIntegerField(
        _("verified within (months after the audit)"), null=True, blank=True)

    class Meta:
        verbose_name = _("grade")
        verbose_name_plural = _("grades")
        ordering = ["scale_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "code"], name="grade_code_unique"),
            models.UniqueConstraint(fields=["scale", "position"], name="grade_position_unique"),
            models.CheckConstraint(condition=Q(severity__in=Severity.values),
                                   name="grade_severity_valid"),
        ]

    def __str__(self):
        return self.label_fr

    @property
    def label(self) -> str:
        """The label in the active language (French unless English is active)."""
        language = get_language() or "fr"
        return self.label_en if language.startswith("en") else self.label_fr

    @property
    def is_nonconformity(self) -> bool:
        return self.severity != Severity.NONE


class FindingStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    OPEN = "open", _("published, awaiting the answer")
    ANSWERED = "answered", _("answered, awaiting the auditor")
    MORE_REQUESTED = "more_requested", _("the auditor asks for more")
    ACCEPTED = "accepted", _("plan accepted")
    CLOSED = "closed", _("closed")


class Finding(models.Model):
    """One finding of an engagement, numbered within it. Its content lives in versions
    (`FindingVersion`); the finding carries what outlives a correction: the deadlines, the
    structure's answer (correction, root cause, evidence of effectiveness), the auditor's
    review and the closure."""

    scope_path: ClassVar[str] = "engagement__organization"

    engagement = models.ForeignKey("audits.Engagement", on_delete=models.PROTECT,
                                   related_name="findings")
    number = models.PositiveIntegerField(_("number"))
    status = models.CharField(_("status"), max_length=20, choices=FindingStatus.choices,
                              default=FindingStatus.DRAFT)
    plan_due = models.DateField(_("corrective-action plan due"), null=True, blank=True)
    verification_due = models.DateField(_("verification due"), null=True, blank=True)
    correction = models.TextField(_("correction"), blank=True, default="")
    root_cause = models.TextField(_("root cause"), blank=True, default="")
    effectiveness = models.ManyToManyField(EvidenceItem, blank=True, related_name="+",
                                           verbose_name=_("evidence of effectiveness"))
    answered_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(_("auditor's comment"), blank=True, default="")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["engagement_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "number"],
                                    name="finding_number_unique"),
            models.CheckConstraint(condition=Q(status__in=FindingStatus.values),
                                   name="finding_status_valid"),
            models.CheckConstraint(
                condition=(Q(status=FindingStatus.CLOSED, closed_at__isnull=False)
                           | (~Q(status=FindingStatus.CLOSED) & Q(closed_at__isnull=True))),
                name="finding_closed_when_dated"),
        ]

    def __str__(self):
        return f"{self.engagement} — #{self.number}"


class FindingVersion(models.Model):
    """One version of a finding's content: grade, text, requirements, evidence. A draft may
    change; publishing stores its canonical form and SHA-256, after which the database refuses
    any change (triggers of migration 0003): a correction is the next version."""

    scope_path: ClassVar[str] = "finding__engagement__organization"

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    grade = models.ForeignKey(Grade, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("grade"))
    text = models.TextField(_("statement"))
    requirements = models.ManyToManyField(Requirement, related_name="+",
                                          verbose_name=_("requirements"))
    evidence = models.ManyToManyField(EvidenceItem, blank=True, related_name="+",
                                      verbose_name=_("evidence"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", null=True, blank=True)
    canonical = models.TextField(blank=True, default="")
    sha256 = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("finding version")
        verbose_name_plural = _("finding versions")
        ordering = ["finding_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["finding", "number"],
                                    name="finding_version_unique"),
            models.UniqueConstraint(fields=["finding"], condition=Q(published_at__isnull=True),
                                    name="finding_one_draft"),
            models.CheckConstraint(
                condition=(Q(published_at__isnull=True, sha256="", canonical="")
                           | (Q(published_at__isnull=False, published_by__isnull=False,
                                sha256__regex=r"^[0-9a-f]{64}$") & ~Q(canonical=""))),
                name="finding_version_sealed_when_published"),
        ]

    def __str__(self):
        return f"{self.finding} v{self.number}"


class CorrectiveAction(models.Model):
    """One action of a finding's corrective-action plan (or of an improvement item): what is
    done, by whom (a member of the structure) and by when; `done_on` once done."""

    scope_path: ClassVar[str] = "finding__engagement__organization"

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="actions")
    description = models.TextField(_("action"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("owner"))
    due_date = models.DateField(_("due date"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["finding_id", "due_date", "id"]
        indexes = [models.Index(fields=["done_on", "due_date"])]

    def __str__(self):
        return self.description[:80]
