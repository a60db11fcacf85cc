"""How a structure tailors referentials: adoption, justified exclusions, its own requirements."""

import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from audit_prep import access, audit
from audit_prep.api.errors import ApiError, Conflict
from audit_prep.roles import Action
from evidence.signals import vault_changed

from ..models import Adoption, Exclusion, Referential, Requirement
from .own_requirements import own_referential, upsert_own_requirements

__all__ = ["own_referential", "upsert_own_requirements"]  # kept here for their callers


class NotAdopted(ValidationError):
    default_code = "requirement_not_adopted"


def require_adopted(organization_id: int, requirement: Requirement, field="requirement") -> None:
    """A structure works only with requirements of referentials it has adopted."""
    if requirement.retired_at is not None or requirement.organization_id not in (
            None, organization_id) or not Adoption.objects.filter(
        organization_id=organization_id, referential_id=requirement.referential_id
    ).exists():
        raise ValidationError(
            {field: [_("This requirement belongs to a referential the structure has not "
                       "adopted.")]}, code="requirement_not_adopted")


def adopt(actor, organization, referential: Referential, target_audit_date=None,
          warning_days: int = 30) -> Adoption:
    access.require(actor, Action.MANAGE_REFERENTIALS, organization.pk)
    if referential.organization_id not in (None, organization.pk):
        raise ValidationError({"referential": [_("Unknown referential.")]}, code="does_not_exist")
    try:
        with transaction.atomic():
            adoption = Adoption.objects.create(
                organization=organization, referential=referential,
                target_audit_date=target_audit_date, warning_days=warning_days, adopted_by=actor)
            audit.record(actor, "referential.adopt", adoption,
                         after={"referential": referential.urn,
                                "target_audit_date": target_audit_date})
            vault_changed.send(sender=Adoption, organization_id=organization.pk)
    except IntegrityError as exc:
        raise Conflict(_("The structure already follows this referential."),
                       code="already_adopted") from exc
    return adoption


def update_adoption(actor, adoption: Adoption, data: dict) -> Adoption:
    access.require(actor, Action.MANAGE_REFERENTIALS, adoption.organization_id)
    with transaction.atomic():
        adoption = Adoption.objects.select_for_update().get(pk=adoption.pk)
        before = {"target_audit_date": adoption.target_audit_date,
                  "warning_days": adoption.warning_days}
        for name in ("target_audit_date", "warning_days"):
            if name in data:
                setattr(adoption, name, data[name])
        adoption.save()
        audit.record(actor, "referential.adoption_update", adoption, before=before,
                     after={"target_audit_date": adoption.target_audit_date,
                            "warning_days": adoption.warning_days})
        vault_changed.send(sender=Adoption, organization_id=adoption.organization_id)
    return adoption


def exclusion_allowed(requirement: Requirement) -> bool:
    """Only what the library marks `excludable` may be declared not applicable (ISO 9001 4.3:
    a requirement that can be applied within the scope must be applied); a structure's own
    requirements are its own to exclude."""
    return requirement.excludable or requirement.referential.organization_id is not None


def allowed_exclusions(referential_id: int) -> list[str]:
    """The ref_ids that may be declared not applicable, top ones only (their sub-clauses
    follow them), in clause order."""
    rows = list(Requirement.objects.filter(
        referential_id=referential_id, excludable=True, retired_at__isnull=True,
    ).order_by("order").values_list("pk", "ref_id", "parent_id"))
    excludable = {pk for pk, _ref, _parent in rows}
    return [ref for _pk, ref, parent in rows if parent not in excludable]


def check_exclusion_allowed(requirement: Requirement) -> None:
    """400 `exclusion_not_allowed`, naming the rule and what may be excluded instead."""
    if exclusion_allowed(requirement):
        return
    allowed = allowed_exclusions(requirement.referential_id)
    raise ApiError(
        _("%(ref)s of %(referential)s cannot be declared not applicable. Rule: a requirement "
          "that can be applied within the scope must be applied (ISO 9001:2015, 4.3); only the "
          "requirements this referential marks as excludable may be excluded, with a "
          "justification: %(allowed)s.")
        % {"ref": requirement.ref_id, "referential": requirement.referential.ref_id,
           "allowed": ", ".join(allowed) or _("none")},
        code="exclusion_not_allowed",
        details={"requirement": requirement.ref_id, "allowed": allowed})


def exclude(actor, organization, requirement: Requirement, justification: str) -> Exclusion:
    """Declare a requirement (and so its sub-clauses) not applicable, with a mandatory
    justification, when its library allows it."""
    access.require(actor, Action.MANAGE_REFERENTIALS, organization.pk)
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError({"justification": [_("Justify why this requirement does not "
                                                   "apply.")]}, code="justification_required")
    require_adopted(organization.pk, requirement)
    check_exclusion_allowed(requirement)
    with transaction.atomic():
        exclusion, created = Exclusion.objects.select_for_update().get_or_create(
            organization=organization, requirement=requirement,
            defaults={"justification": justification, "decided_by": actor})
        before = None if created else {"justification": exclusion.justification}
        if not created:
            exclusion.justification = justification
            exclusion.decided_by = actor
            exclusion.save()
        audit.record(actor, "requirement.exclude", exclusion, before=before,
                     after={"requirement": requirement.urn, "justification": justification})
        vault_changed.send(sender=Exclusion, organization_id=organization.pk)
    return exclusion


def include(actor, exclusion: Exclusion) -> None:
    """Withdraw an exclusion: the requirement applies again."""
    access.require(actor, Action.MANAGE_REFERENTIALS, exclusion.organization_id)
    with transaction.atomic():
        audit.record(actor, "requirement.include", exclusion,
                     before={"requirement": exclusion.requirement.urn,
                             "justification": exclusion.justification})
        exclusion.delete()
        vault_changed.send(sender=Exclusion, organization_id=exclusion.organization_id)


def check_reference_date(value: datetime.date) -> datetime.date:
    if not datetime.date(2000, 1, 1) <= value <= datetime.date(2100, 12, 31):
        raise ValidationError({"date": [_("Choose a date between 2000 and 2100.")]},
                              code="date_out_of_range")
    return value
