"""Referentials as versioned library data, the requirement tree, adoption and applicability,
links from evidence to requirements, and readiness snapshots."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audit_prep.models import Organization
from evidence.models import EvidenceItem
from populations.models import PopulationKind


class ReferentialKind(models.TextChoices):
    STANDARD = "standard", _("standard")
    TEMPLATE = "template", _("template")
    GUIDE = "guide", _("guide")
    REGULATION = "regulation", _("regulation")
    ORGANIZATION = "organization", _("structure's own list")


class RenewalBasis(models.TextChoices):
    STANDARD = "standard", _("set by the referential")
    PRACTICE = "practice", _("auditor practice")
    ORG_DEFINED = "org_defined", _("set by the structure")
    EVENT = "event", _("on an event")
    FRENCH_LAW = "french_law", _("French law")


class Referential(models.Model):
    """One version of a referential. Library referentials (no organization) are imported from
    the YAML files in checklists/libraries/; a structure's own list has its organization."""

    scope_path = "organization"
    scope_shared_when_unowned = True

    urn = models.CharField(max_length=200, unique=True)
    code = models.CharField(max_length=60)
    version = models.CharField(max_length=40)
    revision = models.PositiveIntegerField(default=1)
    ref_id = models.CharField(max_length=100)
    name_fr = models.CharField(max_length=300)
    name_en = models.CharField(max_length=300)
    description_fr = models.TextField(blank=True, default="")
    description_en = models.TextField(blank=True, default="")
    kind = models.CharField(max_length=20, choices=ReferentialKind.choices)
    is_template = models.BooleanField(default=False)
    publisher = models.CharField(max_length=200, blank=True, default="")
    sources = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=dict, blank=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("referential")
        verbose_name_plural = _("referentials")
        ordering = ["code", "version"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ReferentialKind.values), name="referential_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(organization__isnull=True) | Q(kind=ReferentialKind.ORGANIZATION),
                name="referential_own_list_kind",
            ),
            models.UniqueConstraint(
                fields=["organization"], condition=Q(organization__isnull=False),
                name="referential_one_own_list_per_org",
            ),
        ]

    def __str__(self):
        return f"{self.ref_id} ({self.version})"


def no_keywords() -> dict:
    return {"fr": [], "en": []}


class Requirement(models.Model):
    """A node of a referential: a chapter, clause or item, identified by a stable URN.

    A structure completes a template (CEDRE, CAP...) with requirements of its own placed under
    the template's nodes: such rows belong to the library referential but have an
    `organization`, the only structure that sees them (the library import never touches
    them). A row belongs to its own organization, else to its referential's (a structure's own
    list), else to no one (the shared library): `access.scope` follows `scope_paths` in order.
    """

    scope_path = "referential__organization"
    scope_paths = ("organization", "referential__organization")
    scope_shared_when_unowned = True

    referential = models.ForeignKey(
        Referential, on_delete=models.PROTECT, related_name="requirements"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The structure that added this requirement under a library referential's "
                  "node; empty for the library's nodes and for a structure's own list.")
    urn = models.CharField(max_length=250, unique=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    ref_id = models.CharField(max_length=60)
    order = models.PositiveIntegerField(default=0)
    depth = models.PositiveSmallIntegerField(default=0)
    name_fr = models.CharField(max_length=300)
    name_en = models.CharField(max_length=300)
    name_is_descriptive = models.BooleanField(default=False)
    description_fr = models.TextField(blank=True, default="")
    description_en = models.TextField(blank=True, default="")
    typical_evidence = models.JSONField(default=dict, blank=True)
    documented_information = models.JSONField(default=list, blank=True)
    # Words people write in such evidence, read by suggested tags ({fr: [...], en: [...]}).
    keywords = models.JSONField(default=no_keywords, blank=True)
    conditional = models.BooleanField(default=False)
    renewal_months = models.PositiveSmallIntegerField(null=True, blank=True)
    renewal_basis = models.CharField(
        max_length=20, choices=RenewalBasis.choices, blank=True, default=""
    )
    assessable = models.BooleanField(default=True)
    # The library allows declaring it not applicable (ISO 9001 4.3); see libraries/README.md.
    excludable = models.BooleanField(default=False)
    per_member = models.CharField(
        _("applies to each member of"), max_length=30, blank=True, default="",
        choices=PopulationKind.choices,
        help_text=_("A population kind: covered only when every member present has counting "
                    "evidence."))
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        ordering = ["referential_id", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["referential", "ref_id"], condition=Q(organization__isnull=True),
                name="requirement_ref_id_unique"
            ),
            models.UniqueConstraint(
                fields=["referential", "organization", "ref_id"],
                condition=Q(organization__isnull=False), name="requirement_added_ref_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(renewal_months__isnull=True) | Q(renewal_months__gte=1),
                name="requirement_renewal_positive",
            ),
            models.CheckConstraint(
                condition=Q(per_member__in=["", *PopulationKind.values]),
                name="requirement_per_member_kind",
            ),
        ]

    def __str__(self):
        return f"{self.ref_id} {self.name_fr}"


class Adoption(models.Model):
    """A structure follows a referential, optionally towards a target audit date."""

    scope_path = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="adoptions"
    )
    referential = models.ForeignKey(Referential, on_delete=models.PROTECT, related_name="+")
    target_audit_date = models.DateField(_("target audit date"), null=True, blank=True)
    warning_days = models.PositiveSmallIntegerField(_("warning window (days)"), default=30)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    adopted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("adoption")
        verbose_name_plural = _("adoptions")
        ordering = ["organization_id", "referential_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "referential"], name="adoption_unique"
            ),
            models.CheckConstraint(
                condition=Q(warning_days__lte=365), name="adoption_warning_days_range"
            ),
        ]

    def __str__(self):
        return f"{self.organization} → {self.referential}"


class Exclusion(models.Model):
    """A structure's justified exclusion of a requirement (e.g. ISO 9001 8.3 for an SIAE)."""

    scope_path = "organization"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    requirement = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="+")
    justification = models.TextField(_("justification"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")
        ordering = ["organization_id", "requirement_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "requirement"], name="exclusion_unique"
            ),
            models.CheckConstraint(
                condition=~Q(justification=""), name="exclusion_justified"
            ),
        ]

    def __str__(self):
        return f"{self.requirement} n/a ({self.organization})"


class EvidenceLink(models.Model):
    """Evidence tagged against a requirement; one piece of evidence may serve many."""

    scope_path = "evidence__organization"

    evidence = models.ForeignKey(
        EvidenceItem, on_delete=models.PROTECT, related_name="requirement_links"
    )
    requirement = models.ForeignKey(
        Requirement, on_delete=models.PROTECT, related_name="evidence_links"
    )
    note = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evidence link")
        verbose_name_plural = _("evidence links")
        ordering = ["requirement_id", "evidence_id"]
        constraints = [
            models.UniqueConstraint(fields=["evidence", "requirement"], name="link_unique")
        ]

    def __str__(self):
        return f"{self.evidence} → {self.requirement.ref_id}"


class ReadinessSnapshot(models.Model):
    """The readiness of a structure for a referential at a date, kept for the trend."""

    scope_path = "organization"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    referential = models.ForeignKey(Referential, on_delete=models.PROTECT, related_name="+")
    reference_date = models.DateField()
    taken_at = models.DateTimeField(auto_now_add=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    score = models.DecimalField(max_digits=4, decimal_places=1, null=True)  # percent
    counts = models.JSONField(default=dict)
    chapters = models.JSONField(default=list)
    gates = models.JSONField(default=list)
    statuses = models.JSONField(default=dict)

    class Meta:
        ordering = ["-taken_at", "-id"]
        indexes = [models.Index(fields=["organization", "referential", "-taken_at"])]

    def __str__(self):
        return f"{self.organization} {self.referential} {self.reference_date}"


class ReadinessState(models.Model):
    """Latest computed readiness per structure and referential; `dirty_since` coalesces the
    recomputations asked for by many changes into one task."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    referential = models.ForeignKey("checklists.Referential", on_delete=models.CASCADE,
                                    related_name="+")
    score = models.DecimalField(max_digits=4, decimal_places=1, null=True)  # percent
    counts = models.JSONField(default=dict)
    computed_at = models.DateTimeField(null=True, blank=True)
    dirty_since = models.DateTimeField(null=True, blank=True)
    # What the home of the structure shows, from the same computation (next_steps.summary).
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "referential"],
                                    name="readiness_state_unique")
        ]
        indexes = [models.Index(fields=["dirty_since"], condition=Q(dirty_since__isnull=False),
                                name="readiness_dirty")]

    def __str__(self):
        return f"{self.organization_id}/{self.referential_id}: {self.score}"


class SuggestionDecision(models.TextChoices):
    PENDING = "", _("not decided")
    ACCEPTED = "accepted", _("accepted")
    DISMISSED = "dismissed", _("dismissed")


class SuggestionSource(models.TextChoices):
    ITEM = "item", _("on the evidence item")
    REQUIREMENT = "requirement", _("on the missing requirement")


class TagSuggestion(models.Model):
    """A requirement suggested for an evidence item, as it was shown to someone who may link
    them, and what they decided (decision 0032): the acceptance rate is read from these rows."""

    scope_path = "evidence__organization"

    evidence = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT,
                                 related_name="tag_suggestions")
    requirement = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=20, choices=SuggestionSource.choices)
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.FloatField(_("score"))
    words = models.JSONField(_("matched words"), default=list, blank=True)
    shown_at = models.DateTimeField(_("shown at"))
    decision = models.CharField(_("decision"), max_length=20, blank=True, default="",
                                choices=SuggestionDecision.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("suggested tag")
        verbose_name_plural = _("suggested tags")
        ordering = ["evidence_id", "rank", "requirement_id"]
        constraints = [
            models.UniqueConstraint(fields=["evidence", "requirement"],
                                    name="tag_suggestion_unique"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="tag_suggestion_rank"),
            models.CheckConstraint(condition=Q(score__gte=0), name="tag_suggestion_score"),
            models.CheckConstraint(condition=Q(source__in=SuggestionSource.values),
                                   name="tag_suggestion_source"),
            models.CheckConstraint(
                condition=Q(decision="", decided_by__isnull=True, decided_at__isnull=True)
                | Q(decision__in=["accepted", "dismissed"], decided_by__isnull=False,
                    decided_at__isnull=False),
                name="tag_suggestion_decided"),
        ]
        indexes = [models.Index(fields=["decision", "rank"], name="tag_suggestion_outcome")]

    def __str__(self):
        return f"{self.evidence_id} → {self.requirement_id} ({self.decision or 'shown'})"
