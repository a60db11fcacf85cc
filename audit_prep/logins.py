"""Password guessing throttled on every sign-in: API token, session (/api/auth/login/) and admin.

All three call `django.contrib.auth.authenticate`, so one mechanism serves them
([decision 0016](../docs/decisions/0016-login-throttle-and-expiring-tokens.md)):

- `on_login_failed` (Django's `user_login_failed` signal) counts each failure in the shared
  cache twice: for the (account, address) pair and for the address. The failure that reaches
  `LOGIN_FAILURES_PER_ACCOUNT` locks that pair, the one that reaches `LOGIN_FAILURES_PER_IP`
  locks the address, each for `LOGIN_LOCKOUT` (counts also start afresh after that time).
  Each failure and each lock go into the audit trail, without the password.
- `LoginThrottleBackend`, first of `AUTHENTICATION_BACKENDS`, refuses a locked pair or address
  before any password is checked; a refused attempt is not counted (the lock ends when the
  answer says) and the right password does not get through.
- `LoginThrottleMiddleware` answers such a request 429 `too_many_login_attempts` with the
  seconds to wait (`Retry-After` and `details.retry_after`) in place of the view's answer.

No lock is keyed on the account alone: an attacker could keep anyone out from everywhere.
Unknown and existing usernames are counted and answered alike.
"""

import hashlib
import ipaddress
import math
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import audit
from .request_id import current_request_id

ACCOUNT, ADDRESS = "account", "ip"
MAX_USERNAME = 150  # what the audit trail keeps of a typed username


def client_ip(request: HttpRequest) -> str:
    """The client's address: the connection's, or the one the `TRUSTED_PROXY_COUNT`-th proxy
    from the right appended to X-Forwarded-For (entries further left are the client's say)."""
    address = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [part.strip() for part in header.split(",")] if header else []
    if hops and len(forwarded) >= hops:
        address = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return "unknown"


def _keys(scope: str, ip: str, username: str) -> tuple[str, str]:
    subject = f"{ip}\n{username.casefold()}" if scope == ACCOUNT else ip
    digest = hashlib.sha256(subject.encode()).hexdigest()
    return f"login-failures:{scope}:{digest}", f"login-lock:{scope}:{digest}"


def _limits() -> dict[str, int]:
    return {ACCOUNT: settings.LOGIN_FAILURES_PER_ACCOUNT, ADDRESS: settings.LOGIN_FAILURES_PER_IP}


def _lockout_seconds() -> int:
    return max(1, int(settings.LOGIN_LOCKOUT.total_seconds()))


def retry_after(ip: str, username: str) -> int:
    """Seconds until this address may try this username again (0: it may now)."""
    locks = cache.get_many([_keys(scope, ip, username)[1] for scope in (ACCOUNT, ADDRESS)])
    until = max(locks.values(), default=0.0)
    return max(0, math.ceil(until - time.time()))


def _count(scope: str, ip: str, username: str) -> bool:
    """One more failure for this scope; True when it has just locked it."""
    counter, lock = _keys(scope, ip, username)
    seconds = _lockout_seconds()
    if cache.add(counter, 1, seconds):
        failures = 1
    else:
        try:
            failures = cache.incr(counter)
        except ValueError:  # expired between add and incr: a new window
            cache.set(counter, 1, seconds)
            failures = 1
    if failures < _limits()[scope]:
        return False
    cache.delete(counter)
    return cache.add(lock, time.time() + seconds, seconds)


def reset_account(ip: str, username: str) -> None:
    """A successful sign-in clears the pair's failures (never the address's: an attacker's own
    account must not wipe what the address has tried on others)."""
    cache.delete(_keys(ACCOUNT, ip, username)[0])


def http_request(request) -> HttpRequest:
    """Django's request under DRF's (`authenticate` is given either)."""
    return getattr(request, "_request", request)


class LoginThrottleBackend:
    """Refuses every sign-in of a locked (account, address) pair or address, before the
    password is checked. Authenticates nobody itself."""

    def authenticate(self, request, username=None, **credentials):
        if request is None or username is None:
            return None  # not a request a client made (e.g. a command)
        http = http_request(request)
        wait = retry_after(client_ip(http), str(username))
        if wait:
            http.login_retry_after = wait  # type: ignore[attr-defined]
            raise PermissionDenied  # authenticate() stops here and reports a failure
        return None


def on_login_failed(sender, credentials, request=None, **kwargs):
    """Receiver of `user_login_failed`: counts the failure and audits it (and any lock)."""
    if request is None:
        return
    http = http_request(request)
    if getattr(http, "login_retry_after", 0):
        return  # refused while locked: neither counted nor audited again
    username = str(credentials.get("username") or "")
    ip = client_ip(http)
    locked = [scope for scope in (ACCOUNT, ADDRESS) if _count(scope, ip, username)]
    _audit(http, username, ip, locked)
    if locked:
        http.login_retry_after = retry_after(ip, username)  # type: ignore[attr-defined]


def on_logged_in(sender, request=None, user=None, **kwargs):
    """Receiver of `user_logged_in` (session, admin and token sign-ins)."""
    if request is not None and user is not None:
        reset_account(client_ip(http_request(request)), user.get_username())


def _audit(request: HttpRequest, username: str, ip: str, locked: list[str]) -> None:
    account = get_user_model()._default_manager.filter(
        **{get_user_model().USERNAME_FIELD: username}).first()
    target = {"object_type": "auth.user", "object_id": str(account.pk) if account else "",
              "object_repr": username[:MAX_USERNAME]}
    facts = {"username": username[:MAX_USERNAME], "ip": ip, "path": request.path[:200]}
    audit.record_anonymous("login.failed", **target, after=facts)
    for scope in locked:
        audit.record_anonymous("login.locked", **target, after={
            **facts, "scope": scope, "failures": _limits()[scope],
            "seconds": _lockout_seconds()})


def throttled_response(wait: int) -> JsonResponse:
    response = JsonResponse({"error": {
        "code": "too_many_login_attempts",
        "message": _("Too many failed sign-in attempts. Try again in %(seconds)d seconds.")
        % {"seconds": wait},
        "details": {"retry_after": wait},
        "request_id": current_request_id(),
    }}, status=429)
    response["Retry-After"] = str(wait)
    return response


def throttled_page(request: HttpRequest, wait: int) -> HttpResponse:
    """The same refusal as a page, for people signing in with a browser."""
    response = render(request, "accounts/login_throttled.html",
                      {"minutes": max(1, math.ceil(wait / 60)), "seconds": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


class LoginThrottleMiddleware:
    """Answers 429 in place of a sign-in page or endpoint that the throttle refused: JSON
    under /api/, a page elsewhere (the sign-in page, the admin's)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        wait = getattr(request, "login_retry_after", 0)
        if not wait:
            return response
        if request.path.startswith("/api/"):
            return throttled_response(wait)
        return throttled_page(request, wait)
