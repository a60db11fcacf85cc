"""A structure's readiness policy: whether its records count once their file is verified (the
default) or only once approved, like documents (`checklists.readiness.needs_approval`)."""

from django.db import transaction

from audit_prep import access, audit
from audit_prep.models import Organization
from audit_prep.roles import Action
from evidence.signals import vault_changed

POLICY_FIELDS = ("records_need_approval",)


def update_policy(actor, organization: Organization, data: dict) -> Organization:
    """Change the structure's readiness policy (quality managers), with an audit event; the
    readiness pictures are marked to recompute in the same transaction."""
    access.require(actor, Action.MANAGE_ORGANIZATION, organization.pk)
    with transaction.atomic():
        # NO KEY: the update changes no key, and rows referencing the structure stay insertable.
        organization = Organization.objects.select_for_update(no_key=True).get(pk=organization.pk)
        before = {name: getattr(organization, name) for name in POLICY_FIELDS}
        for name in POLICY_FIELDS:
            if name in data:
                setattr(organization, name, data[name])
        after = {name: getattr(organization, name) for name in POLICY_FIELDS}
        if after != before:
            organization.save(update_fields=list(POLICY_FIELDS))
            audit.record(actor, "readiness_policy.update", organization, before=before,
                         after=after)
            vault_changed.send(sender=Organization, organization_id=organization.pk)
    return organization
