"""The certification cycle of a structure: the certificates it holds per referential and the
audits (engagements) that obtain, maintain and renew them, or that it runs itself."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from audit_prep.models import InvitationBase, InvitationStatus, Organization
from checklists.models import Referential


class EngagementKind(models.TextChoices):
    STAGE_1 = "stage_1", _("initial audit, stage 1")
    STAGE_2 = "stage_2", _("initial audit, stage 2")
    SURVEILLANCE_1 = "surveillance_1", _("first surveillance audit")
    SURVEILLANCE_2 = "surveillance_2", _("second surveillance audit")
    RENEWAL = "renewal", _("renewal audit")
    INTERNAL = "internal", _("internal audit")
    CROSS = "cross", _("cross audit by a peer structure")


# The audits a certification body runs; internal and cross audits are the structure's own.
CERTIFICATION_KINDS = (EngagementKind.STAGE_1, EngagementKind.STAGE_2,
                       EngagementKind.SURVEILLANCE_1, EngagementKind.SURVEILLANCE_2,
                       EngagementKind.RENEWAL)


class Certificate(models.Model):
    """A certificate a structure holds for one referential: who granted it, when the decision
    was taken, until when it is valid and what it covers."""

    scope_path = "organization"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT,
                                     related_name="certificates")
    referential = models.ForeignKey(Referential, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("referential"))
    certification_body = models.CharField(_("certification body"), max_length=200)
    number = models.CharField(_("certificate number"), max_length=100, blank=True, default="")
    decision_date = models.DateField(_("certification decision date"))
    expiry_date = models.DateField(_("expiry date"))
    scope = models.TextField(_("scope of certification"), blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["organization_id", "-decision_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(expiry_date__gt=F("decision_date")),
                                   name="certificate_expires_after_decision"),
            models.UniqueConstraint(fields=["organization", "referential", "decision_date"],
                                    name="certificate_unique_decision"),
        ]

    def __str__(self):
        return f"{self.referential.ref_id} — {self.certification_body} ({self.decision_date})"


class Engagement(models.Model):
    """One audit of a structure: its kind, dates (first and last day), the certification body
    and lead auditor, the referentials and the processes or clauses in scope. Certification
    audits name the certificate they maintain or renew once it exists."""

    scope_path = "organization"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT,
                                     related_name="engagements")
    kind = models.CharField(_("kind of audit"), max_length=20, choices=EngagementKind.choices)
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="engagements",
                                    verbose_name=_("certificate"))
    referentials = models.ManyToManyField(Referential, related_name="+",
                                          verbose_name=_("referentials"))
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    certification_body = models.CharField(_("certification body"), max_length=200, blank=True,
                                          default="")
    lead_auditor = models.CharField(_("lead auditor"), max_length=200, blank=True, default="")
    scope = models.TextField(_("processes or clauses in scope"), blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        ordering = ["organization_id", "start_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")),
                                   name="engagement_ends_after_start"),
            models.CheckConstraint(condition=Q(kind__in=EngagementKind.values),
                                   name="engagement_kind_valid"),
        ]
        indexes = [models.Index(fields=["organization", "start_date"])]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.start_date})"

    @property
    def audited_by_structure(self) -> bool:
        """An internal or cross audit: the structure's own quality managers record its
        findings (the choke point gives them `Action.AUDIT` on it, decision 0026)."""
        return self.kind in (EngagementKind.INTERNAL, EngagementKind.CROSS)


class AuditorAccess(models.Model):
    """An external auditor's access to one engagement: read-only on its checklist at the audit
    date and on the evidence linked to its referentials, writing only requests, messages and
    findings. It opens on `starts_on`, closes after `ends_on` (by default 30 days after the
    audit's last day) and ends at once when revoked. The rule is `audits.auditors`."""

    scope_path = "engagement__organization"

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT,
                                   related_name="auditor_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="auditor_accesses")
    starts_on = models.DateField(_("access opens on"))
    ends_on = models.DateField(_("access closes after"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", null=True, blank=True)

    class Meta:
        verbose_name = _("auditor access")
        verbose_name_plural = _("auditor accesses")
        ordering = ["engagement_id", "starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")),
                                   name="auditor_access_ends_after_start"),
            models.UniqueConstraint(fields=["engagement", "user"],
                                    name="auditor_access_one_per_auditor"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_by__isnull=False),
                name="auditor_access_revoked_by_someone"),
        ]

    def __str__(self):
        return f"{self.user} → {self.engagement}"

    def is_open_on(self, day) -> bool:
        return self.revoked_at is None and self.starts_on <= day <= self.ends_on


class AuditorInvitation(InvitationBase):
    """An e-mail address invited to audit one engagement, with the access window to grant. The
    `AuditorAccess` exists only once the invitee has accepted with a second factor
    (`audits.auditor_services`)."""

    scope_path = "engagement__organization"

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT,
                                   related_name="auditor_invitations")
    starts_on = models.DateField(_("access opens on"))
    ends_on = models.DateField(_("access closes after"))
    # The account that accepted.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("auditor invitation")
        verbose_name_plural = _("auditor invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            *InvitationBase.Meta.constraints,
            models.UniqueConstraint(Lower("email"), "engagement",
                                    condition=Q(status=InvitationStatus.PENDING),
                                    name="auditor_invitation_one_pending_per_address"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")),
                                   name="auditor_invitation_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.email} → {self.engagement}"


from .finding_models import (  # noqa: E402,F401  (the models of findings, decision 0026)
    CorrectiveAction,
    Finding,
    FindingStatus,
    FindingVersion,
    Grade,
    GradingScale,
    Severity,
)
from .packs.models import AuditPack, BuildState, PackFile, VerificationState  # noqa: E402,F401
from .requests.models import (  # noqa: E402, F401  (the requests' tables are the app's)
    EvidenceRequest,
    RequestAnswer,
    RequestMessage,
)
