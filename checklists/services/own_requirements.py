"""A structure's own requirements: its own list, and the requirements it adds under the nodes of
a template it follows (CEDRE, CAP ISO 9001, CAP RSE...), completed from its copy of the
referential.

Requirements added under a template belong to the template's referential, so that they appear
in its checklist, exports and statement of applicability, and carry the structure in
`Requirement.organization`: no other structure sees them (`access.scope` follows
`Requirement.scope_paths`), and the library import, which only ever reads and writes the rows
without an organization, never changes, retires or loses them. Their URN,
``<template URN>:org-<structure id>:<ref_id>``, never changes (docs/decisions/0015).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from audit_prep import access, audit
from audit_prep.api.errors import Conflict
from audit_prep.roles import Action
from evidence.signals import vault_changed

from ..models import Adoption, Referential, ReferentialKind, Requirement

# Added requirements come after the template's own nodes among their siblings.
ADDED_ORDER_BASE = 1_000_000


def own_referential(actor, organization) -> Referential:
    """The structure's own list of requirements, created and adopted on first use."""
    referential, created = Referential.objects.get_or_create(
        organization=organization,
        defaults={
            "urn": f"urn:audit-prep:org-{organization.pk}:own", "code": f"org-{organization.pk}",
            "version": "1", "ref_id": organization.slug[:100],
            "name_fr": f"Exigences propres — {organization.name}"[:300],
            "name_en": f"Own requirements — {organization.name}"[:300],
            "kind": ReferentialKind.ORGANIZATION,
        },
    )
    if created:
        Adoption.objects.create(organization=organization, referential=referential,
                                adopted_by=actor)
    return referential


def _target(actor, organization, referential: Referential | None):
    """(referential, owner): where the rows go, and the organization set on them (None for the
    structure's own list, whose referential is the structure's)."""
    if referential is None or referential.organization_id == organization.pk:
        return own_referential(actor, organization), None
    if referential.organization_id is not None:
        raise ValidationError({"referential": [_("Unknown referential.")]}, code="does_not_exist")
    if not referential.is_template:
        raise ValidationError({"referential": [_(
            "Only a template (CEDRE, CAP...) can be completed with your own requirements; "
            "add the others to your own list.")]}, code="not_a_template")
    if not Adoption.objects.filter(organization=organization, referential=referential).exists():
        raise ValidationError({"referential": [_("The structure does not follow this "
                                                 "referential.")]},
                              code="referential_not_adopted")
    return referential, organization


def _urn(referential: Referential, owner, ref_id: str) -> str:
    if owner is None:
        return f"{referential.urn}:{ref_id}"
    return f"{referential.urn}:org-{owner.pk}:{ref_id}"


def _values(row: dict, parent: Requirement | None, owner) -> dict:
    """The columns of a row. Under a template, a row may be declared not applicable exactly
    when its parent may (the cascade of ISO 9001 4.3: what hangs under an excludable node is
    excludable, nothing else is); a structure's own list may always be (tailoring)."""
    return {
        **({} if owner is None else {"excludable": bool(parent and parent.excludable)}),
        **({"per_member": row["per_member"]} if "per_member" in row else {}),
        "name_fr": row["name_fr"], "name_en": row.get("name_en") or row["name_fr"],
        "description_fr": row.get("description", ""),
        "documented_information": row.get("documented_information", []),
        "renewal_months": row.get("renewal_months"),
        "renewal_basis": "org_defined" if row.get("renewal_months") else "",
        "parent": parent, "depth": parent.depth + 1 if parent else 0,
        "retired_at": None,
    }


def _parent(row: dict, mine: dict, template: dict) -> Requirement | None:
    reference = row.get("parent") or ""
    if not reference:
        return None
    parent = mine.get(reference) or template.get(reference)
    if parent is None:
        raise ValidationError({"parent": [_("Unknown parent reference %(ref)s.")
                                          % {"ref": reference}]}, code="unknown_parent")
    return parent


def upsert_own_requirements(actor, organization, rows: list[dict],
                            referential: Referential | None = None) -> tuple[int, int]:
    """Create or update the structure's own requirements by ref_id; returns (added, changed).
    Without `referential` (or with the structure's own list) the rows go to its own list; with
    an adopted template, under the template's nodes. Rows are validated by the caller; a
    parent is a ref_id of the template's nodes or of the structure's rows, given first."""
    added, changed = _upsert(actor, organization, rows, referential)
    return len(added), len(changed)


def import_report(actor, organization, rows: list[dict],
                  referential: Referential | None = None) -> list[dict]:
    """`upsert_own_requirements`, then what became of each row: its line in the file (the
    header is line 1), reference, name and result (created, updated or unchanged)."""
    added, changed = (set(urns) for urns in _upsert(actor, organization, rows, referential))
    target, owner = _target(actor, organization, referential)
    report = []
    for line, row in enumerate(rows, start=2):
        urn = _urn(target, owner, row["ref_id"])
        report.append({"line": line, "ref_id": row["ref_id"], "name": row["name_fr"],
                       "result": "created" if urn in added else "updated" if urn in changed
                       else "unchanged"})
    return report


def _upsert(actor, organization, rows: list[dict],
            referential: Referential | None) -> tuple[list[str], list[str]]:
    """The URNs added and changed."""
    access.require(actor, Action.MANAGE_REFERENTIALS, organization.pk)
    added, changed = [], []
    with transaction.atomic():
        referential, owner = _target(actor, organization, referential)
        mine = {r.ref_id: r for r in Requirement.objects.filter(
            referential=referential, organization=owner)}
        template = {} if owner is None else {r.ref_id: r for r in Requirement.objects.filter(
            referential=referential, organization__isnull=True, retired_at__isnull=True)}
        next_order = max((r.order for r in mine.values()),
                         default=0 if owner is None else ADDED_ORDER_BASE)
        for row in rows:
            if row["ref_id"] in template:
                raise ValidationError({"ref_id": [_(
                    "The referential already has a requirement %(ref)s.") % {
                        "ref": row["ref_id"]}]}, code="ref_id_taken")
            values = _values(row, _parent(row, mine, template), owner)
            requirement = mine.get(row["ref_id"])
            if requirement is None:
                next_order += 1
                requirement = Requirement.objects.create(
                    referential=referential, organization=owner,
                    urn=_urn(referential, owner, row["ref_id"]), ref_id=row["ref_id"],
                    order=next_order, **values)
                mine[row["ref_id"]] = requirement
                added.append(requirement.urn)
            elif any(getattr(requirement, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(requirement, key, value)
                requirement.save()
                changed.append(requirement.urn)
        audit.record(actor, "requirement.import", referential, organization_id=organization.pk,
                     after={"added": len(added), "changed": len(changed), "rows": len(rows),
                            "urns_added": added, "urns_changed": changed})
        vault_changed.send(sender=Requirement, organization_id=organization.pk)
    return added, changed


def add_validated(actor, data: dict) -> Requirement:
    """`add_requirement` with the fields of `OwnRequirementSerializer` (the API's and the
    settings page's form)."""
    data = dict(data)
    organization = data.pop("organization")
    referential = data.pop("referential", None)
    return add_requirement(actor, organization, {**data, "parent": data.get("parent", "")},
                           referential)


def add_requirement(actor, organization, row: dict,
                    referential: Referential | None = None) -> Requirement:
    """One requirement of the structure (created, or updated by its ref_id); returns it."""
    with transaction.atomic():
        upsert_own_requirements(actor, organization, [row], referential)
        target, owner = _target(actor, organization, referential)
        return Requirement.objects.get(referential=target, organization=owner,
                                       ref_id=row["ref_id"])


def retire_requirement(actor, requirement: Requirement) -> Requirement:
    """Withdraw one of the structure's own requirements (never a library node): it leaves the
    checklists; its evidence links are kept. Refused while it has requirements under it."""
    organization_id = requirement.organization_id or requirement.referential.organization_id
    if organization_id is None:
        raise Conflict(_("The library's requirements cannot be withdrawn."),
                       code="library_requirement")
    access.require(actor, Action.MANAGE_REFERENTIALS, organization_id)
    with transaction.atomic():
        requirement = Requirement.objects.select_for_update().get(pk=requirement.pk)
        if requirement.retired_at is not None:
            return requirement
        if Requirement.objects.filter(parent=requirement, retired_at__isnull=True).exists():
            raise Conflict(_("Withdraw the requirements under this one first."),
                           code="requirement_has_children")
        requirement.retired_at = timezone.now()
        requirement.save(update_fields=["retired_at"])
        audit.record(actor, "requirement.retire", requirement, organization_id=organization_id,
                     before={"urn": requirement.urn, "name_fr": requirement.name_fr})
        vault_changed.send(sender=Requirement, organization_id=organization_id)
    return requirement
