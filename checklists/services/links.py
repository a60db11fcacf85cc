"""Tagging evidence against requirements."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError

from audit_prep import access, audit
from audit_prep.api.errors import Conflict
from audit_prep.roles import Action
from evidence.signals import vault_changed

from ..models import Adoption, EvidenceLink
from .tailoring import require_adopted


def link_many(actor, evidence_items, requirements, note: str = "") -> list[EvidenceLink]:
    """Link every evidence item to every requirement (bulk tagging). All or nothing: each pair
    is checked first; pairs already linked are left as they are. Returns the new links."""
    if not evidence_items or not requirements:
        raise ValidationError(_("Give at least one evidence item and one requirement."),
                              code="link_empty")
    adopted = set(Adoption.objects.filter(
        organization_id__in={e.organization_id for e in evidence_items}
    ).values_list("organization_id", "referential_id"))
    for evidence in evidence_items:
        access.require(actor, Action.CHANGE, evidence.organization_id)
        if evidence.status == "archived":
            raise ValidationError({"evidence": [_("Archived evidence cannot be linked.")]},
                                  code="evidence_archived")
        for requirement in requirements:
            if requirement.retired_at or requirement.organization_id not in (
                    None, evidence.organization_id) or (
                    evidence.organization_id, requirement.referential_id) not in adopted:
                require_adopted(evidence.organization_id, requirement)  # raises
    with transaction.atomic():
        existing = set(EvidenceLink.objects.filter(
            evidence__in=evidence_items, requirement__in=requirements
        ).values_list("evidence_id", "requirement_id"))
        new = [EvidenceLink(evidence=e, requirement=r, note=note, created_by=actor)
               for e in sorted(evidence_items, key=lambda item: item.pk)
               for r in sorted(requirements, key=lambda item: item.pk)
               if (e.pk, r.pk) not in existing]
        created = EvidenceLink.objects.bulk_create(new)  # returns ids on PostgreSQL/SQLite
        # Write, then verify: every new link must be visible to the actor.
        if access.scope(EvidenceLink.objects.filter(pk__in=[link.pk for link in created]), actor
                        ).count() != len(created):
            raise NotFound()
        urns = {r.pk: r.urn for r in requirements}
        for evidence in evidence_items:
            linked = sorted(urns[link.requirement_id] for link in created
                            if link.evidence_id == evidence.pk)
            if linked:
                audit.record(actor, "evidence.link", evidence,
                             after={"requirements": linked, "note": note})
        for organization_id in sorted({link.evidence.organization_id for link in created}):
            vault_changed.send(sender=EvidenceLink, organization_id=organization_id)
    return created


def link_one(actor, evidence, requirement, note: str = "") -> EvidenceLink:
    """Link one evidence item to one requirement; a pair already linked is refused (409
    `already_linked`)."""
    created = link_many(actor, [evidence], [requirement], note)
    if not created:
        raise Conflict(_("This evidence is already linked to this requirement."),
                       code="already_linked")
    return created[0]


def unlink(actor, link: EvidenceLink) -> None:
    access.require(actor, Action.CHANGE, link.evidence.organization_id)
    with transaction.atomic():
        audit.record(actor, "evidence.unlink", link.evidence,
                     before={"requirement": link.requirement.urn, "note": link.note})
        link.delete()
        vault_changed.send(sender=EvidenceLink, organization_id=link.evidence.organization_id)
