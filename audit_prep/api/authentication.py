"""How API requests prove who they are: `Authorization: Token <secret>` (`ApiToken`), or the
session cookie with its CSRF token, refused as `csrf_failed` (not the role refusal
`permission_denied` DRF's generic 403 would read as).

Kept apart from the views: DRF imports this module while it builds `APIView`, so it must not
import anything that imports `rest_framework.views` at load time.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication as DrfSessionAuthentication
from rest_framework.authentication import TokenAuthentication

from .. import tokens


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <secret>` against the digests of `ApiToken`."""

    def authenticate_credentials(self, key):
        try:
            token = tokens.authenticate(key)
        except tokens.TokenExpired:
            from .tokens import TokenExpired  # the error shape; imports rest_framework.views

            raise TokenExpired() from None
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return token.user, token


class SessionAuthentication(DrfSessionAuthentication):
    def enforce_csrf(self, request):
        from .errors import CsrfFailed  # the error shape; imports rest_framework.views

        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as refused:
            raise CsrfFailed(details={"reason": str(refused.detail)}) from refused
