"""External auditors of your audits (quality managers only): `auditor-invitations/` (invite an
address to one engagement with an access window; re-send, withdraw), `auditor-accesses/` (the
accesses accepted: extend, revoke) and `engagements/{id}/access-log/` (CSV). Auditors accept
their invitation in the browser, where they pass the second factor (decision 0023)."""

from django.http import StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from audit_prep import access
from audit_prep.api.fields import BoundedDateField, ScopedPrimaryKeyField, username_field
from audit_prep.api.filters import id_filterset
from audit_prep.api.schema import file_responses
from audit_prep.api.viewsets import ScopedViewSet, named_ids
from audit_prep.invitations.services import state_of
from audit_prep.roles import Action

from .. import access_log, auditor_services
from ..models import AuditorAccess, AuditorInvitation, Engagement

MANAGE = Action.MANAGE_AUDITS
STATES = [auditor_services.OPEN, auditor_services.NOT_YET_OPEN, auditor_services.ENDED,
          auditor_services.REVOKED]


class AuditorInvitationSerializer(serializers.ModelSerializer):
    engagement = ScopedPrimaryKeyField(Engagement)
    starts_on = BoundedDateField(required=False, help_text=_(
        "The day the access opens (default: today, or the audit's first day if earlier)."))
    ends_on = BoundedDateField(required=False, help_text=_(
        "The last day of the access (default: 30 days after the audit's last day)."))
    status = serializers.SerializerMethodField(
        help_text=_("pending, accepted, withdrawn, or expired (a pending invitation past "
                    "expires_at)."))
    invited_by = username_field()

    class Meta:
        model = AuditorInvitation
        fields = ["id", "engagement", "email", "starts_on", "ends_on", "status", "invited_by",
                  "created_at", "expires_at", "decided_at"]
        read_only_fields = ["created_at", "expires_at", "decided_at"]

    def get_status(self, obj) -> str:
        return state_of(obj)


class AuditorAccessSerializer(serializers.ModelSerializer):
    user = username_field()
    email = serializers.EmailField(source="user.email", read_only=True)
    state = serializers.SerializerMethodField(help_text=_(
        "open, not_yet_open, ended or revoked, today."))
    granted_by = username_field()
    revoked_by = username_field(allow_null=True)

    class Meta:
        model = AuditorAccess
        fields = ["id", "engagement", "user", "email", "starts_on", "ends_on", "state",
                  "granted_by", "created_at", "revoked_at", "revoked_by"]
        read_only_fields = fields

    def get_state(self, obj) -> str:
        return auditor_services.access_state(obj)


class ExtendSerializer(serializers.Serializer):
    ends_on = BoundedDateField(help_text=_("The new last day of the access."))
    starts_on = BoundedDateField(required=False, help_text=_(
        "The new first day (unchanged when not given)."))


def _managed(queryset, user):
    # Auditors' addresses and accesses are for the quality managers, not for every member.
    return access.scope(queryset, user, MANAGE)


class AuditorInvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                               mixins.CreateModelMixin, ScopedViewSet):
    """Invitations of external auditors to your audits. Refusals: 409 `auditor_is_member`
    (the address is a member's of the structure), `already_auditor`, `already_invited`,
    `invitation_not_pending`; 400 `invalid_access_window`."""

    queryset = AuditorInvitation.objects.select_related("invited_by")
    serializer_class = AuditorInvitationSerializer
    filterset_class = id_filterset(AuditorInvitation, id_fields=["engagement"])
    action_permissions = {"create": MANAGE, "resend": MANAGE, "withdraw": MANAGE}

    def get_queryset(self):
        return _managed(super(ScopedViewSet, self).get_queryset(), self.request.user)

    def target_organizations(self, request) -> set[int]:
        ids = named_ids(request.data, "engagement")
        return set(Engagement.objects.filter(pk__in=ids).values_list("organization_id",
                                                                      flat=True))

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = auditor_services.invite(
            self.request.user, data["engagement"], data["email"], data.get("starts_on"),
            data.get("ends_on"))

    @extend_schema(request=None, responses=AuditorInvitationSerializer)
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        """A new link and expiry, e-mailed again; the previous link stops working."""
        invitation = auditor_services.resend(request.user, self.get_object())
        return Response(self.get_serializer(invitation).data)

    @extend_schema(request=None, responses=AuditorInvitationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take a pending invitation back; its link stops working."""
        invitation = auditor_services.withdraw(request.user, self.get_object())
        return Response(self.get_serializer(invitation).data)


class AuditorAccessViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The auditors' accesses to your audits, with their state today. Refusals: 409
    `access_revoked`; 400 `invalid_access_window`."""

    queryset = AuditorAccess.objects.select_related("user", "granted_by", "revoked_by")
    serializer_class = AuditorAccessSerializer
    filterset_class = id_filterset(AuditorAccess, id_fields=["engagement"])
    action_permissions = {"extend": MANAGE, "revoke": MANAGE}

    def get_queryset(self):
        return _managed(super(ScopedViewSet, self).get_queryset(), self.request.user)

    @extend_schema(request=ExtendSerializer, responses=AuditorAccessSerializer)
    @action(detail=True, methods=["post"], serializer_class=ExtendSerializer)
    def extend(self, request, pk=None):
        """Move the access's last day (and first day): an ended access opens again."""
        row = self.get_object()
        body = ExtendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = auditor_services.extend(request.user, row, body.validated_data["ends_on"],
                                      body.validated_data.get("starts_on"))
        return Response(AuditorAccessSerializer(row).data)

    @extend_schema(request=None, responses=AuditorAccessSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Close the access at once."""
        row = auditor_services.revoke(request.user, self.get_object())
        return Response(AuditorAccessSerializer(row).data)


def access_log_response(user, engagement: Engagement) -> StreamingHttpResponse:
    """The engagement's access log as a CSV attachment, streamed."""
    events = access_log.events(user, engagement)
    response = StreamingHttpResponse(access_log.csv_lines(events),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{access_log.file_name(engagement)}"')
    return response


ACCESS_LOG_SCHEMA = extend_schema(
    request=None, responses=file_responses(["text/csv"], _(
        "Every event of the audit's auditors and of their accesses, oldest first.")))
