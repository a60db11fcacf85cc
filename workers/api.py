"""API of the reminders: your in-app notifications, your e-mail preferences, and each
structure's reminder policy.

Routes (registered in audit_prep/urls.py):
    GET  /api/v1/notifications/[?unread=true]      your notifications only (404 for others')
    POST /api/v1/notifications/{id}/read/           mark one read
    POST /api/v1/notifications/read-all/            mark all read
    GET  /api/v1/reminder-policies/[{structure id}/] the policy of your structures (defaults when
    PATCH                                           none saved yet); quality managers change it
    GET|PATCH /api/v1/me/preferences/               your language and reminder opt-out
"""


from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from audit_prep import access, audit
from audit_prep.api.viewsets import ScopedViewSet
from audit_prep.models import Notification, Organization, UserPreference
from audit_prep.roles import Action
from audit_prep.services import preference_of

from .models import ReminderPolicy

POLICY_FIELDS = ("lead_days", "overdue_weekly", "escalate_after_days")


# ------------------------------------------------------------------------------ notifications


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "organization", "created_at", "read_at"]
        read_only_fields = fields


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(field_name="read_at", lookup_expr="isnull",
                                   label=_("unread only"))

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    """Your in-app notifications, newest first. Nobody else's are ever visible."""

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = NotificationFilter
    ordering_fields = ["created_at"]

    def get_queryset(self):
        user = self.request.user
        if not (user and user.is_authenticated):
            return Notification.objects.none()
        return Notification.objects.filter(user=user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=inline_serializer(
        "ReadAll", {"updated": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        updated = self.get_queryset().filter(read_at__isnull=True).update(
            read_at=timezone.now())
        return Response({"updated": updated})


# -------------------------------------------------------------------------------- preferences


class PreferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = UserPreference
        fields = ["language", "reminders_opt_out", "email_refused"]

    def validate_email_refused(self, value):
        if value:
            raise serializers.ValidationError(
                _("Set by the mail server's refusal; it can only be cleared."), code="clear_only")
        return value


@extend_schema(methods=["GET"], responses=PreferenceSerializer)
@extend_schema(methods=["PATCH"], request=PreferenceSerializer, responses=PreferenceSerializer)
@api_view(["GET", "PATCH"])
@permission_classes([IsAuthenticated])
def preferences(request):
    """Your e-mail language and whether you receive reminder e-mails (in-app notifications
    are kept either way)."""
    preference = preference_of(request.user)
    if request.method == "PATCH":
        serializer = PreferenceSerializer(preference, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)
    return Response(PreferenceSerializer(preference).data)


# --------------------------------------------------------------------------- reminder policy


class ReminderPolicySerializer(serializers.ModelSerializer):
    organization = serializers.IntegerField(source="organization_id", read_only=True)
    lead_days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=365), min_length=1, max_length=10,
        help_text=_("Days before the end of validity at which a reminder is sent."))
    escalate_after_days = serializers.IntegerField(min_value=0, max_value=365)

    class Meta:
        model = ReminderPolicy
        fields = ["organization", *POLICY_FIELDS]

    def validate_lead_days(self, value):
        if len(set(value)) != len(value):
            raise serializers.ValidationError(_("Each lead time can be given only once."),
                                              code="duplicate_lead_days")
        return sorted(value, reverse=True)


def policy_of(organization: Organization) -> ReminderPolicy:
    """The saved policy, or an unsaved one holding the defaults."""
    try:
        return organization.reminder_policy
    except ReminderPolicy.DoesNotExist:
        return ReminderPolicy(organization=organization)


def update_policy(actor, organization: Organization, data: dict) -> ReminderPolicy:
    """Change a structure's reminder policy (quality managers), with an audit event."""
    access.require(actor, Action.MANAGE_ORGANIZATION, organization.pk)
    with transaction.atomic():
        policy, _created = ReminderPolicy.objects.select_for_update().get_or_create(
            organization=organization)
        before = {name: getattr(policy, name) for name in POLICY_FIELDS}
        for name, value in data.items():
            setattr(policy, name, value)
        policy.full_clean()
        policy.save()
        audit.record(actor, "reminder_policy.update", policy, organization_id=organization.pk,
                     before=before, after={name: getattr(policy, name) for name in POLICY_FIELDS})
    return policy


class ReminderPolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            mixins.UpdateModelMixin, ScopedViewSet):
    """Reminder settings of your structures, by structure id: lead times (default 60 / 30 / 7 /
    0 days), a weekly reminder while overdue, escalation to the quality managers after N days
    overdue. Quality managers change them."""

    queryset = Organization.objects.select_related("reminder_policy")
    serializer_class = ReminderPolicySerializer
    http_method_names = ["get", "patch", "head", "options"]
    action_permissions = {"partial_update": Action.MANAGE_ORGANIZATION,
                          "update": Action.MANAGE_ORGANIZATION}
    filter_backends = []

    def get_object(self):
        return policy_of(super().get_object())

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        data = self.get_serializer([policy_of(org) for org in page], many=True).data
        return self.get_paginated_response(data)

    def perform_update(self, serializer):
        serializer.instance = update_policy(
            self.request.user, serializer.instance.organization, dict(serializer.validated_data))
