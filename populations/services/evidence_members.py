"""The members an evidence item names (a PASS IAE names one employee; a training attendance
sheet may name several)."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from audit_prep import access, audit
from audit_prep.roles import Action
from evidence.models import EvidenceItem
from evidence.signals import vault_changed

from ..models import EvidenceMember, Member

MAX_MEMBERS = 1000


def set_members(actor, evidence: EvidenceItem, members: list[Member]) -> list[EvidenceMember]:
    """Replace the members `evidence` names with `members` (an empty list names nobody).
    Members of another structure are refused; archived evidence cannot be changed. Returns
    the rows now naming them."""
    access.require(actor, Action.CHANGE, evidence.organization_id)
    if evidence.status == "archived":
        raise ValidationError({"evidence": [_("Archived evidence cannot be changed.")]},
                              code="evidence_archived")
    if len(members) > MAX_MEMBERS:
        raise ValidationError({"members": [_("At most %(count)d members.")
                                           % {"count": MAX_MEMBERS}]}, code="too_many_members")
    if Member.objects.filter(pk__in=[m.pk for m in members]).exclude(
            population__organization_id=evidence.organization_id).exists():
        raise ValidationError({"members": [_("Only members of the evidence's structure can be "
                                             "named.")]}, code="member_of_another_structure")
    wanted = {m.pk: m for m in members}
    with transaction.atomic():
        EvidenceItem.objects.select_for_update().filter(pk=evidence.pk).first()
        current = {row.member_id: row for row in
                   EvidenceMember.objects.filter(evidence=evidence).select_related(
                       "member__population")}
        removed = [row for member_id, row in current.items() if member_id not in wanted]
        added = [EvidenceMember(evidence=evidence, member=member, created_by=actor)
                 for member_id, member in sorted(wanted.items()) if member_id not in current]
        EvidenceMember.objects.filter(pk__in=[row.pk for row in removed]).delete()
        EvidenceMember.objects.bulk_create(added)
        rows = list(EvidenceMember.objects.filter(evidence=evidence).select_related(
            "member", "member__population"))
        if added or removed:
            audit.record(actor, "evidence.members", evidence, before={
                "members": sorted(_label(row.member) for row in current.values())}, after={
                "members": sorted(_label(row.member) for row in rows)})
            vault_changed.send(sender=EvidenceMember, organization_id=evidence.organization_id)
    return rows


def _label(member: Member) -> str:
    return f"{member.population.kind}:{member.reference}"
