from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import access, services
from ..models import AuditEvent, Membership, Organization
from ..roles import Action
from ..validators import validate_datetime_range
from .filters import IdFilter, id_filterset
from .serializers import (
    AuditEventSerializer,
    MembershipSerializer,
    MeSerializer,
    OrganizationSerializer,
)
from .viewsets import ScopedViewSet


class OrganizationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    mixins.UpdateModelMixin, ScopedViewSet,
):
    """Structures you belong to. Creating one makes you its quality manager."""

    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    # Any signed-in user may create a structure (and becomes its quality manager).
    action_permissions = {"create": None, "update": Action.MANAGE_ORGANIZATION,
                          "partial_update": Action.MANAGE_ORGANIZATION}

    def get_serializer_context(self):
        context = dict(super().get_serializer_context())
        user = self.request.user
        if user.is_authenticated:
            context["my_roles"] = dict(user.memberships.values_list("organization_id", "role"))
        return context

    def perform_create(self, serializer):
        serializer.instance = services.create_organization(
            self.request.user, dict(serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_organization(
            self.request.user, serializer.instance, dict(serializer.validated_data)
        )


class MembershipViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin,
    mixins.DestroyModelMixin, ScopedViewSet,
):
    """Members and roles of your structures; quality managers change roles and remove members.
    People join by invitation only (`invitations/`)."""

    queryset = Membership.objects.select_related("user")
    serializer_class = MembershipSerializer
    filterset_class = id_filterset(Membership, id_fields=["organization"], fields=["role"])
    action_permissions = {"update": Action.MANAGE_MEMBERS, "partial_update": Action.MANAGE_MEMBERS,
                          "destroy": Action.MANAGE_MEMBERS}

    def perform_update(self, serializer):
        role = serializer.validated_data.get("role", serializer.instance.role)
        serializer.instance = services.change_role(self.request.user, serializer.instance, role)

    def perform_destroy(self, instance):
        services.remove_member(self.request.user, instance)


class AuditEventFilter(filters.FilterSet):
    organization = IdFilter(field_name="organization_id")
    actor = IdFilter(field_name="actor_id")
    since = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte",
                                      validators=[validate_datetime_range])
    until = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt",
                                      validators=[validate_datetime_range])

    class Meta:
        model = AuditEvent
        fields = ["organization", "action", "object_type", "object_id", "actor", "request_id",
                  "client_request_id"]


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The append-only audit trail of the structures where you are quality manager."""

    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter

    def get_queryset(self):
        return access.scope(AuditEvent.objects.all(), self.request.user, Action.VIEW_AUDIT_TRAIL)


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me(request):
    """Your account and your role in each structure."""
    return Response(MeSerializer(request.user).data, status=status.HTTP_200_OK)
