from django.contrib.auth import get_user_model
from rest_framework import serializers

from ..models import AuditEvent, Membership, Organization

User = get_user_model()


class OrganizationSerializer(serializers.ModelSerializer):
    my_role = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "siret", "kind", "region", "created_at", "my_role"]
        read_only_fields = ["created_at"]

    def get_my_role(self, obj) -> str | None:
        # DRF keeps the context dict it was given; the stub types it as a read-only Mapping.
        roles = self.context.setdefault("my_roles", {})  # type: ignore[attr-defined]
        if obj.pk not in roles:
            request = self.context.get("request")
            user = getattr(request, "user", None)
            if user is None or not user.is_authenticated:
                return None
            membership = obj.memberships.filter(user=user).first()
            roles[obj.pk] = membership.role if membership else None
        return roles[obj.pk]


class MembershipSerializer(serializers.ModelSerializer):
    """A member of a structure (someone who accepted an invitation): only the role changes."""

    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "organization", "username", "email", "role", "created_at"]
        read_only_fields = ["organization", "created_at"]


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id", "organization", "actor", "actor_label", "action", "object_type", "object_id",
            "object_repr", "before", "after", "request_id", "client_request_id",
            "created_at",
        ]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name", "memberships"]
        read_only_fields = fields

    def get_memberships(self, obj) -> list[dict]:
        return [
            {"organization": m.organization_id, "organization_name": m.organization.name,
             "role": m.role}
            for m in obj.memberships.select_related("organization")
        ]
