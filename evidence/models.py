"""The evidence vault: evidence items, append-only revisions and their stored files."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from audit_prep.models import Organization

# Where a file text stands lives in text_states (also imported from here).
from .text_states import TextNote, TextSource
from .text_states import TextStatus as TextStatus


class EvidenceKind(models.TextChoices):
    DOCUMENT = "document", _("document to maintain")
    RECORD = "record", _("record to retain")


class EvidenceStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    IN_REVIEW = "in_review", _("in review")
    APPROVED = "approved", _("approved")
    ARCHIVED = "archived", _("archived")


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("pending verification")
    VERIFIED = "verified", _("verified")
    REJECTED = "rejected", _("rejected")


class FilesState(models.TextChoices):
    """Where the files of an item's current revision stand (the values of
    `EvidenceItem.file_check`); kept by the verification pipeline
    and the integrity sweep through `evidence.file_checks.refresh_file_check`, so that the
    checklist reads it without joining revisions and files."""

    PENDING = "pending", _("no verified file yet")
    VERIFIED = "verified", _("files verified")
    ALTERED = "altered", _("a file is altered or missing")


class Tag(models.Model):
    """A free tag, unique by name within a structure."""

    scope_path = "organization"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="tags")
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="tag_unique_per_org")
        ]

    def __str__(self):
        return self.name


class EvidenceItem(models.Model):
    """A piece of evidence: a document the structure keeps current or a record it retains."""

    scope_path = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="evidence_items"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, default="")
    kind = models.CharField(_("kind"), max_length=10, choices=EvidenceKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=EvidenceStatus.choices, default=EvidenceStatus.DRAFT
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_evidence",
        null=True, blank=True, verbose_name=_("owner"),
    )
    effective_date = models.DateField(_("effective date"))
    period_start = models.DateField(_("covered period start"), null=True, blank=True)
    period_end = models.DateField(_("covered period end"), null=True, blank=True)
    renewal_months = models.PositiveSmallIntegerField(
        _("renewal period (months)"), null=True, blank=True
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True, db_index=True)
    retention_until = models.DateField(_("retain until"), null=True, blank=True)
    # The date of the latest "reviewed, still valid" mark of a document (`EvidenceReview`):
    # a fact written with the review; its renewal periods count from it.
    last_reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True)
    # Read model of the validity rule (`checklists.readiness.validity_end`), written only by
    # `checklists.services.validity.refresh`: until when the item counts for the requirements
    # it is linked to, and whether a newer counting item replaced it for every one of them.
    # Reminders and the calendar read these columns; nothing else computes them.
    validity_end = models.DateField(_("end of validity"), null=True, blank=True,
                                    db_index=True, editable=False)
    superseded = models.BooleanField(_("replaced by a newer item"), default=False,
                                     editable=False)
    file_check = models.CharField(
        _("file check"), max_length=10, choices=FilesState.choices, default=FilesState.PENDING,
        editable=False,
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="evidence_items")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    archive_reason = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EvidenceKind.values), name="evidence_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=EvidenceStatus.values), name="evidence_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(file_check__in=FilesState.values), name="evidence_file_check_valid"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("effective_date")),
                name="evidence_valid_until_after_effective",
                violation_error_code="valid_until_before_effective_date",
                violation_error_message=_("The validity end cannot precede the effective date."),
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="evidence_period_ordered",
                violation_error_code="period_end_before_start",
                violation_error_message=_("The covered period ends before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(retention_until__isnull=True)
                | Q(retention_until__gte=F("effective_date")),
                name="evidence_retention_after_effective",
                violation_error_code="retention_before_effective_date",
                violation_error_message=_("The retention date cannot precede the effective date."),
            ),
            models.CheckConstraint(
                condition=Q(renewal_months__isnull=True)
                | Q(renewal_months__gte=1, renewal_months__lte=600),
                name="evidence_renewal_months_range",
                violation_error_code="renewal_months_range",
                violation_error_message=_("The renewal period is between 1 and 600 months."),
            ),
            models.CheckConstraint(
                condition=Q(last_reviewed_on__isnull=True)
                | Q(last_reviewed_on__gte=F("effective_date")),
                name="evidence_reviewed_after_effective",
                violation_error_code="review_before_effective_date",
                violation_error_message=_("A review cannot precede the effective date."),
            ),
            models.CheckConstraint(
                condition=~Q(status=EvidenceStatus.ARCHIVED) | Q(archived_at__isnull=False),
                name="evidence_archived_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=EvidenceStatus.APPROVED) | Q(approved_at__isnull=False),
                name="evidence_approved_has_time",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def reference(self) -> str:
        """The stable reference people cite ("EV-000123"), derived from the id."""
        from .references import reference

        return reference(self.pk)


class EvidenceReview(models.Model):
    """A "reviewed, still valid" mark on a document: who reviewed it, when, and what they
    noted. Append-only history; the latest date is copied on `EvidenceItem.last_reviewed_on`."""

    scope_path = "evidence__organization"

    evidence = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField(_("reviewed on"))
    note = models.TextField(_("note"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["evidence_id", "-reviewed_on", "-id"]

    def __str__(self):
        return f"{self.evidence} ({self.reviewed_on})"


class Revision(models.Model):
    """An append-only version of an evidence item, holding one or more files. It becomes the
    current revision only once its files are verified."""

    scope_path = "evidence__organization"

    evidence = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField(_("number"))
    note = models.TextField(_("note"), blank=True, default="")
    verification_status = models.CharField(
        max_length=10, choices=VerificationStatus.choices, default=VerificationStatus.PENDING
    )
    rejection_reason = models.CharField(max_length=40, blank=True, default="")
    # Counted before each verification attempt; a crash or a killed worker leaves it counted.
    verification_attempts = models.PositiveSmallIntegerField(default=0)
    is_current = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["evidence_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["evidence", "number"], name="revision_number_unique"),
            models.UniqueConstraint(
                fields=["evidence"], condition=Q(is_current=True), name="revision_one_current"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="revision_number_positive"),
            models.CheckConstraint(
                condition=Q(verification_status__in=VerificationStatus.values),
                name="revision_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(is_current=False) | Q(verification_status=VerificationStatus.VERIFIED),
                name="revision_current_is_verified",
            ),
        ]

    def __str__(self):
        return f"{self.evidence} v{self.number}"


class StoredFile(models.Model):
    """A file of a revision. The object in storage is content-addressed by SHA-256 and is never
    overwritten or deleted through the product."""

    scope_path = "organization"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="files")
    name = models.CharField(_("name"), max_length=255)
    mime_type = models.CharField(_("type"), max_length=120)
    size = models.BigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    storage_key = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    # Filled by the verification pipeline and the integrity sweep (the text: `FileText`).
    page_count = models.PositiveIntegerField(null=True, blank=True)
    integrity_error = models.BooleanField(default=False)
    last_checked_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("file")
        verbose_name_plural = _("files")
        ordering = ["revision_id", "id"]
        indexes = [
            models.Index(fields=["organization", "sha256"]),
            models.Index(fields=["storage_key"]),
            models.Index(fields=["revision"], condition=Q(integrity_error=True),
                         name="storedfile_integrity_errors"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="storedfile_size_positive"),
            models.UniqueConstraint(
                fields=["revision", "sha256"], name="storedfile_unique_content_per_revision"
            ),
        ]

    def __str__(self):
        return self.name


class FileText(models.Model):
    """The text extracted from a stored file by the verification pipeline, where search reads
    it; kept apart so that no query on files carries it. Derived data: rewritten when the file
    is verified again."""

    scope_path = "stored_file__organization"

    stored_file = models.OneToOneField(StoredFile, on_delete=models.CASCADE, primary_key=True,
                                       related_name="extracted_text")
    text = models.TextField(blank=True, default="")
    # Why the text is empty or partial (truncated, encrypted, compression_ratio...).
    note = models.CharField(max_length=20, blank=True, default="", choices=TextNote.choices)
    # Read from the file's own text layer, or by OCR of its pixels (decision 0031).
    source = models.CharField(max_length=10, default=TextSource.EXTRACTED,
                              choices=TextSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("extracted text")
        verbose_name_plural = _("extracted texts")
        constraints = [models.CheckConstraint(condition=Q(note__in=TextNote.values),
                                              name="filetext_note_known"),
                       models.CheckConstraint(condition=Q(source__in=TextSource.values),
                                              name="filetext_source_known")]

    def __str__(self):
        return f"{self.stored_file} ({len(self.text)} characters)"


from .search.models import SearchEntry  # noqa: E402, F401 -- registered with the app's models
