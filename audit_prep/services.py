"""Business operations on structures and memberships."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from . import access, audit
from .api.errors import Conflict
from .models import Membership, Organization, UserPreference
from .roles import Action, Role

ORG_FIELDS = ("name", "slug", "siret", "kind", "region")


def _audited_fields(org):
    """The fields of a structure as the audit trail records them (before / after)."""
    return {name: getattr(org, name) for name in ORG_FIELDS}


def create_organization(actor, data: dict) -> Organization:
    """Create a structure; its creator becomes its first quality manager."""
    with transaction.atomic():
        org = Organization(**data)
        org.full_clean()
        org.save()
        membership = Membership.objects.create(
            user=actor, organization=org, role=Role.QUALITY_MANAGER
        )
        audit.record(actor, "organization.create", org, after=_audited_fields(org))
        audit.record(actor, "membership.create", membership,
                     after={"user": actor.pk, "role": membership.role})
    access.forget(actor)
    return org


def update_organization(actor, org: Organization, data: dict) -> Organization:
    access.require(actor, Action.MANAGE_ORGANIZATION, org.pk)
    with transaction.atomic():
        # NO KEY: the update changes no key, and rows referencing the structure stay insertable.
        org = Organization.objects.select_for_update(no_key=True).get(pk=org.pk)
        before = _audited_fields(org)
        for name, value in data.items():
            setattr(org, name, value)
        org.full_clean()
        org.save()
        audit.record(actor, "organization.update", org, before=before, after=_audited_fields(org))
    return org


class LastQualityManager(Conflict):
    default_code = "last_quality_manager"
    default_detail = _("A structure keeps at least one quality manager.")


def _ensure_other_manager(membership: Membership) -> None:
    if membership.role != Role.QUALITY_MANAGER:
        return
    others = Membership.objects.select_for_update().filter(
        organization_id=membership.organization_id, role=Role.QUALITY_MANAGER
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise LastQualityManager()


def change_role(actor, membership: Membership, role: str) -> Membership:
    access.require(actor, Action.MANAGE_MEMBERS, membership.organization_id)
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        before = {"role": membership.role}
        if role != Role.QUALITY_MANAGER:
            _ensure_other_manager(membership)
        membership.role = role
        membership.save(update_fields=["role"])
        audit.record(actor, "membership.update", membership, before=before, after={"role": role})
    access.forget(actor)
    return membership


def remove_member(actor, membership: Membership) -> None:
    access.require(actor, Action.MANAGE_MEMBERS, membership.organization_id)
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        _ensure_other_manager(membership)
        audit.record(actor, "membership.delete", membership,
                     before={"user": membership.user_id, "role": membership.role})
        membership.delete()
    access.forget(actor)


def preference_of(user) -> UserPreference:
    """A person's preferences, created on first use. Creation also issues the secret of their
    calendar feed, so it is audited (the token itself is never written down)."""
    existing = UserPreference.objects.filter(user=user).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            preference = UserPreference.objects.create(user=user)
            audit.record(user, "calendar.token_create", preference, organization_id=None)
    except IntegrityError:  # created meanwhile by a concurrent request
        return UserPreference.objects.get(user=user)
    return preference
