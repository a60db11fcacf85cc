"""Populations: the people (or things) a requirement applies to one by one, kept under
pseudonymous references.

A structure keeps at most one population per kind (employees in an insertion pathway,
supervisors, vehicles, sites). A member is known by an internal reference (a number of the
structure's own register) and initials only: no name, no birth date, nothing else. Evidence
names the members it concerns (`EvidenceMember`); a requirement marked `per_member` with the
kind (`checklists.models.Requirement.per_member`) is covered on a date only when every member
present that day has counting evidence (`checklists.member_coverage`).
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from audit_prep.models import Organization
from evidence.models import EvidenceItem

REFERENCE_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z._/-]{0,29}$"
INITIALS_PATTERN = r"^[A-Z]{1,4}$"
# Dates of members outside this range are refused (a typo such as 0202 or 2205).
EARLIEST_DATE = datetime.date(1950, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)


class PopulationKind(models.TextChoices):
    EMPLOYEES_IN_PATHWAY = "employees_in_pathway", _("employees in an insertion pathway")
    SUPERVISORS = "supervisors", _("supervisors")
    VEHICLES = "vehicles", _("vehicles")
    SITES = "sites", _("sites")


class Population(models.Model):
    """The members of one kind that a structure keeps (one population per kind)."""

    scope_path = "organization"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT,
                                     related_name="populations")
    kind = models.CharField(_("kind"), max_length=30, choices=PopulationKind.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("population")
        verbose_name_plural = _("populations")
        ordering = ["organization_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind"],
                                    name="population_one_per_kind",
                                    violation_error_code="population_exists"),
            models.CheckConstraint(condition=Q(kind__in=PopulationKind.values),
                                   name="population_kind_valid"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.organization_id})"


class Member(models.Model):
    """One member of a population: an internal reference and initials, never a name."""

    scope_path = "population__organization"

    population = models.ForeignKey(Population, on_delete=models.PROTECT, related_name="members")
    reference = models.CharField(_("internal reference"), max_length=30)
    initials = models.CharField(_("initials"), max_length=4)
    entry_date = models.DateField(_("entry date"))
    exit_date = models.DateField(_("exit date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["population_id", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["population", "reference"],
                                    name="member_reference_unique",
                                    violation_error_code="reference_duplicate"),
            models.CheckConstraint(
                condition=Q(exit_date__isnull=True) | Q(exit_date__gte=F("entry_date")),
                name="member_exit_after_entry",
                violation_error_code="exit_before_entry",
                violation_error_message=_("The exit date cannot precede the entry date.")),
            models.CheckConstraint(condition=~Q(reference="") & ~Q(initials=""),
                                   name="member_reference_and_initials"),
        ]

    def __str__(self):
        return f"{self.reference} {self.initials}"

    def present_on(self, day: datetime.date) -> bool:
        return present(self.entry_date, self.exit_date, day)


def present(entry: datetime.date, exit_: datetime.date | None, day: datetime.date) -> bool:
    """A member is present from their entry day to their exit day, both included."""
    return entry <= day and (exit_ is None or day <= exit_)


class EvidenceMember(models.Model):
    """An evidence item names a member it concerns (a PASS IAE, a contract, a certificate)."""

    scope_path = "evidence__organization"

    evidence = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT,
                                 related_name="member_links")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="evidence_links")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("member named by evidence")
        verbose_name_plural = _("members named by evidence")
        ordering = ["evidence_id", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["evidence", "member"], name="evidence_member_unique"),
        ]

    def __str__(self):
        return f"{self.evidence_id} → {self.member_id}"
