"""The rows of a sealed audit pack: the pack (its canonical manifest, seal, and the ledger of
its ZIP's build) and the files it holds, which keep the evidence's file rows (and so their
stored objects) for as long as the pack exists."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from evidence.models import StoredFile


class BuildState(models.TextChoices):
    QUEUED = "queued", _("waiting for a worker")
    BUILDING = "building", _("being built")
    READY = "ready", _("ready to download")
    FAILED = "failed", _("failed")


class VerificationState(models.TextChoices):
    NEVER = "never", _("never verified")
    QUEUED = "queued", _("verification waiting for a worker")
    RUNNING = "running", _("being verified")
    INTACT = "intact", _("intact")
    ALTERED = "altered", _("altered")


class AuditPack(models.Model):
    """An engagement frozen at a moment a quality manager chose: `manifest` holds the canonical
    JSON (sorted keys, no insignificant whitespace, UTF-8) of the requirements and their
    statuses at the audit date, the exclusions, the evidence revisions in force then with their
    files' SHA-256, the requests and findings; `seal` is the SHA-256 of those bytes. Never
    changed once sealed: only its ZIP's build ledger and its verification move."""

    scope_path = "engagement__organization"

    engagement = models.ForeignKey("audits.Engagement", on_delete=models.PROTECT,
                                   related_name="packs")
    number = models.PositiveIntegerField(_("number"))
    audit_date = models.DateField(_("audit date"))
    language = models.CharField(max_length=8)
    manifest = models.TextField()
    seal = models.CharField(_("seal (SHA-256)"), max_length=64)
    sealed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    sealed_at = models.DateTimeField(_("sealed at"))
    file_count = models.PositiveIntegerField(default=0)
    total_bytes = models.BigIntegerField(default=0)
    # The build of the ZIP, a ledger a worker moves: queued -> building -> ready | failed.
    state = models.CharField(max_length=10, choices=BuildState.choices,
                             default=BuildState.QUEUED)
    progress_done = models.BigIntegerField(default=0)  # bytes written of progress_total
    progress_total = models.BigIntegerField(default=0)
    files_done = models.PositiveIntegerField(default=0)
    progress_at = models.DateTimeField(null=True, blank=True)  # the builder's heartbeat
    build_attempts = models.PositiveSmallIntegerField(default=0)
    failure_reason = models.CharField(max_length=40, blank=True, default="")
    failure_detail = models.TextField(blank=True, default="")
    archive_key = models.CharField(max_length=300, blank=True, default="")
    archive_size = models.BigIntegerField(null=True, blank=True)
    archive_sha256 = models.CharField(max_length=64, blank=True, default="")
    built_at = models.DateTimeField(null=True, blank=True)
    # The latest re-verification of the seal against the store.
    verification = models.CharField(max_length=10, choices=VerificationState.choices,
                                    default=VerificationState.NEVER)
    verification_requested_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_report = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("audit pack")
        verbose_name_plural = _("audit packs")
        ordering = ["engagement_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "number"],
                                    name="audit_pack_number_unique"),
            models.CheckConstraint(condition=Q(state__in=BuildState.values),
                                   name="audit_pack_state_valid"),
            models.CheckConstraint(condition=Q(progress_done__lte=F("progress_total")),
                                   name="audit_pack_progress_bounded"),
            models.CheckConstraint(
                condition=~Q(state=BuildState.READY) | ~Q(archive_key=""),
                name="audit_pack_ready_has_archive"),
        ]

    def __str__(self):
        return f"{self.engagement} — #{self.number} ({self.seal[:12]})"


class PackFile(models.Model):
    """One evidence file a pack holds, at its path in the ZIP. The file row is protected: the
    object it names is never taken for an orphan by `evidence.sweeps.remove_orphans`."""

    scope_path = "pack__engagement__organization"

    pack = models.ForeignKey(AuditPack, on_delete=models.PROTECT, related_name="files")
    position = models.PositiveIntegerField()
    path = models.CharField(max_length=1000)
    stored_file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()

    class Meta:
        ordering = ["pack_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["pack", "position"], name="pack_file_position"),
            models.UniqueConstraint(fields=["pack", "path"], name="pack_file_path_unique"),
        ]

    def __str__(self):
        return self.path
