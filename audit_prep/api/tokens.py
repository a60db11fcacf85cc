"""API tokens over HTTP.

    POST   /api/v1/auth/token/            {username, password[, label]} -> {token, ...} (200);
                                          throttled like every sign-in (audit_prep/logins.py)
    GET    /api/v1/me/tokens/[{id}/]      your tokens: prefix, label, created, last used,
                                          expires (never the secret); others' are 404
    DELETE /api/v1/me/tokens/{id}/        revoke one (204)
    POST   /api/v1/me/tokens/revoke-all/  revoke all of yours, the one in use included

`authentication.ApiTokenAuthentication` reads `Authorization: Token <secret>`: an unknown
secret is 401 `authentication_failed`, an expired one 401 `token_expired`.
"""

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import second_factor, tokens
from ..models import ApiToken
from .errors import ApiError


class TokenExpired(ApiError, exceptions.AuthenticationFailed):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "token_expired"
    default_detail = _("This token has expired after a period without use: sign in again "
                       "for a new one.")


class SecondFactorAccount(ApiError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "second_factor_required"
    default_detail = _("This account signs in with a second factor (auditors): no API token is "
                       "issued to it. Sign in with the browser and your authenticator app.")


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(write_only=True, trim_whitespace=False,
                                     style={"input_type": "password"})
    label = serializers.CharField(  # type: ignore[assignment]  # Field.label is its title
        required=False, allow_blank=True, max_length=100, default="",
        help_text=_("A name for this token, e.g. the script or tool that uses it."))

    def validate(self, attrs):
        user = authenticate(request=self.context["request"], username=attrs["username"],
                            password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(
                _("Unable to log in with provided credentials."), code="authorization")
        attrs["user"] = user
        return attrs


class ApiTokenSerializer(serializers.ModelSerializer):
    expires_at = serializers.DateTimeField(read_only=True)
    current = serializers.SerializerMethodField(
        help_text=_("True for the token this request is authenticated with."))

    class Meta:
        model = ApiToken
        fields = ["id", "prefix", "label", "created_at", "last_used_at", "expires_at",
                  "current"]
        read_only_fields = fields

    def get_current(self, obj) -> bool:
        auth = getattr(self.context.get("request"), "auth", None)
        return isinstance(auth, ApiToken) and auth.pk == obj.pk


class IssuedTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text=_("The secret, shown only once."))

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]
        read_only_fields = fields


class ObtainTokenView(APIView):
    """Sign in with a username and password: a new API token. Too many failures answer 429
    `too_many_login_attempts` with the seconds to wait."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = TokenRequestSerializer

    @extend_schema(request=TokenRequestSerializer, responses=IssuedTokenSerializer)
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if second_factor.required_for(user):
            raise SecondFactorAccount()
        token, key = tokens.issue(user, serializer.validated_data["label"])
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        token.token = key  # type: ignore[attr-defined]
        return Response(IssuedTokenSerializer(token, context={"request": request}).data)


REVOKED = inline_serializer("RevokedTokens", {"revoked": serializers.IntegerField()})


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Your API tokens, newest first. Nobody else's are ever visible."""

    serializer_class = ApiTokenSerializer
    permission_classes = [IsAuthenticated]
    ordering_fields = ["created_at", "last_used_at"]

    def get_queryset(self):
        user = self.request.user
        if not (user and user.is_authenticated):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=user)

    def perform_destroy(self, instance):
        tokens.revoke(self.request.user, instance)

    @extend_schema(request=None, responses=REVOKED)
    @action(detail=False, methods=["post"], url_path="revoke-all")
    def revoke_all(self, request):
        return Response({"revoked": tokens.revoke_all(request.user)})
