"""`invitations/`: quality managers invite an e-mail address to their structure, see, re-send
and withdraw its pending invitations; the invitee accepts or declines with the secret of the
e-mail (signed in, or signed out to create an account)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from .. import access
from ..invitations import services, tokens
from ..models import Invitation, Organization
from ..roles import Action, Role
from .fields import ScopedPrimaryKeyField, username_field
from .filters import id_filterset
from .schema import refusal
from .viewsets import ScopedViewSet

UNKNOWN_SECRET = _("No open invitation holds this secret (not_found).")


class InvitationSerializer(serializers.ModelSerializer):
    organization = ScopedPrimaryKeyField(Organization)
    status = serializers.SerializerMethodField(
        help_text=_("pending, accepted, declined, withdrawn, or expired (a pending invitation "
                    "past expires_at)."))
    invited_by = username_field()

    class Meta:
        model = Invitation
        fields = ["id", "organization", "email", "role", "status", "invited_by", "created_at",
                  "expires_at", "decided_at"]
        read_only_fields = ["created_at", "expires_at", "decided_at"]

    def get_status(self, obj) -> str:
        return services.state_of(obj)


class SecretSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=tokens.MAX_LENGTH, trim_whitespace=True,
                                  help_text=_("The secret of the invitation e-mail's link."))


class AcceptSerializer(SecretSerializer):
    username = serializers.CharField(
        required=False, default="", max_length=150,
        help_text=_("Signed out, with no account using the invited address: the username of "
                    "the account to create."))
    password = serializers.CharField(
        required=False, default="", max_length=128, write_only=True, trim_whitespace=False,
        style={"input_type": "password"},
        help_text=_("With username: the new account's password (Django's password rules)."))


class AcceptedSerializer(serializers.Serializer):
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization.name")
    role = serializers.ChoiceField(choices=Role.choices)
    username = serializers.CharField(source="user.username")


class DeclinedSerializer(serializers.Serializer):
    status = serializers.CharField()


class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.CreateModelMixin, ScopedViewSet):
    """Invitations to join your structures (quality managers only). The answer to an invitation
    is the same whether or not an account uses the address; the e-mail goes out in every
    case. Refusals: 409 `already_member`, `already_invited` (pending for this address),
    `invitation_not_pending` (re-send or withdraw of a closed one)."""

    queryset = Invitation.objects.select_related("invited_by")
    serializer_class = InvitationSerializer
    filterset_class = id_filterset(Invitation, id_fields=["organization"],
                                   fields=["role", "status"])
    action_permissions = {"create": Action.MANAGE_MEMBERS, "resend": Action.MANAGE_MEMBERS,
                          "withdraw": Action.MANAGE_MEMBERS, "accept": None, "decline": None}

    def get_queryset(self):
        # Pending addresses are for the quality managers who invite, not for every member.
        return access.scope(super(ScopedViewSet, self).get_queryset(), self.request.user,
                            Action.MANAGE_MEMBERS)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.invite(self.request.user, data["organization"],
                                              data["email"], data["role"])

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        """A new secret and expiry, e-mailed again; the previous link stops working."""
        invitation = services.resend(request.user, self.get_object())
        return Response(self.get_serializer(invitation).data)

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take a pending invitation back; its link stops working."""
        invitation = services.withdraw(request.user, self.get_object())
        return Response(self.get_serializer(invitation).data)

    @extend_schema(request=AcceptSerializer, responses={201: AcceptedSerializer,
                                                         404: refusal(UNKNOWN_SECRET)})
    @action(detail=False, methods=["post"], permission_classes=[AllowAny],
            serializer_class=AcceptSerializer)
    def accept(self, request):
        """Accept an invitation with its secret: signed in with the invited address, or signed
        out (with `username` and `password`) when no account uses it. Refusals: 404
        `invitation_not_found` (unknown or replaced secret); 410 `invitation_expired`,
        `invitation_withdrawn`, `invitation_declined`, `invitation_used`; 403
        `invitation_other_account`; 409 `sign_in_to_accept`, `already_member`; 400 for the new
        account's `username` (`username_taken`) and `password` (Django's validators)."""
        data = self._valid(AcceptSerializer)
        membership = services.accept(data["token"], request.user, data["username"],
                                     data["password"])
        return Response(AcceptedSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SecretSerializer, responses={200: DeclinedSerializer,
                                                        404: refusal(UNKNOWN_SECRET)})
    @action(detail=False, methods=["post"], permission_classes=[AllowAny],
            serializer_class=SecretSerializer)
    def decline(self, request):
        """Decline an invitation with its secret (signed out, or with the invited address).
        Refusals as for `accept`."""
        data = self._valid(SecretSerializer)
        invitation = services.decline(data["token"], request.user)
        return Response(DeclinedSerializer({"status": invitation.status}).data)

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
