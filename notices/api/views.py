"""API of the notices: your in-app notifications, your e-mail preferences, the secret address
of your calendar feed, and each structure's reminder policy.

Routes (registered in audit_prep/urls.py):
    GET  /api/v1/notifications/[?unread=true]      your notifications only (404 for others')
    POST /api/v1/notifications/{id}/read/           mark one read
    POST /api/v1/notifications/read-all/            mark all read
    GET  /api/v1/reminder-policies/[{structure id}/] the policy of your structures (defaults when
    PATCH                                           none saved yet); quality managers change it
    GET|PATCH /api/v1/me/preferences/               your language and reminder opt-out
    GET  /api/v1/me/calendar/                       the secret URL of your calendar feed
    POST /api/v1/me/calendar/reset/                 a new secret URL (the old one stops working)
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from audit_prep.api.viewsets import ScopedViewSet
from audit_prep.models import Organization
from audit_prep.roles import Action
from audit_prep.services import preference_of

from .. import services
from ..calendar import feed_url
from ..models import Notification
from .serializers import (
    CALENDAR_URL,
    READ_ALL,
    NotificationFilter,
    NotificationSerializer,
    PreferenceSerializer,
    ReminderPolicySerializer,
)


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
        notification = services.mark_read(self.get_object())
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=READ_ALL)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"updated": services.mark_all_read(self.get_queryset())})


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
        return services.policy_of(super().get_object())

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None  # every list of the API is paginated
        data = self.get_serializer([services.policy_of(org) for org in page], many=True).data
        return self.get_paginated_response(data)

    def perform_update(self, serializer):
        serializer.instance = services.update_policy(
            self.request.user, serializer.instance.organization, dict(serializer.validated_data))


@extend_schema(responses=CALENDAR_URL)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def my_calendar(request):
    """The secret address of your calendar feed (expiry dates of your evidence, audit dates of
    your structures), to subscribe to from Outlook, Thunderbird or Google Calendar. Anyone
    holding it can read the feed: keep it private, and reset it if it leaked."""
    preference = preference_of(request.user)
    return Response({"url": feed_url(preference.calendar_token)})


@extend_schema(request=None, responses=CALENDAR_URL)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def reset_my_calendar(request):
    """Give your calendar feed a new secret address; the previous one stops working at once
    (calendars subscribed to it must subscribe again)."""
    preference = services.reset_calendar_token(request.user)
    return Response({"url": feed_url(preference.calendar_token)})
