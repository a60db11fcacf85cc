"""API tokens: issued at sign-in, kept as SHA-256 digests, expired after an idle time
(`API_TOKEN_IDLE_TIMEOUT`), listed and revoked by their owner (`ApiToken`)."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import audit
from .models import ApiToken

# Use is recorded at most once a minute per token: not one write per request. A token may
# therefore expire up to a minute before its idle time has fully passed.
TOUCH_INTERVAL = datetime.timedelta(minutes=1)


class TokenExpired(Exception):
    """The token exists but has not been used for longer than the idle timeout."""


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue(user, label: str = "") -> tuple[ApiToken, str]:
    """A new token for `user` (who has just proved their password) and its secret, shown
    once. The user's expired tokens are removed on the way."""
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        ApiToken.objects.filter(
            user=user, last_used_at__lte=now - settings.API_TOKEN_IDLE_TIMEOUT).delete()
        token = ApiToken.objects.create(user=user, digest=_digest(key), prefix=key[:8],
                                        label=label, last_used_at=now)
        audit.record(user, "token.create", token, organization_id=None,
                     after={"prefix": token.prefix, "label": label})
    return token, key


def authenticate(key: str) -> ApiToken | None:
    """The token with this secret (None when there is none); raises `TokenExpired` when it
    has been idle too long. Records its use."""
    token = ApiToken.objects.select_related("user").filter(digest=_digest(key)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.expires_at <= now:
        raise TokenExpired
    if now - token.last_used_at >= TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def revoke(actor, token: ApiToken) -> None:
    """The owner revokes one of their tokens: it stops working at once."""
    if token.user_id != actor.pk:
        raise PermissionError("a token is revoked by its owner only")
    with transaction.atomic():
        audit.record(actor, "token.revoke", token, organization_id=None,
                     after={"prefix": token.prefix, "label": token.label})
        token.delete()


def revoke_all(actor) -> int:
    """The owner revokes every token they have (the one in use included); how many."""
    with transaction.atomic():
        count, _ = ApiToken.objects.filter(user=actor).delete()
        audit.record(actor, "token.revoke_all", actor, organization_id=None,
                     after={"revoked": count})
    return count
