"""The second factor (TOTP, django-otp) for the people who must pass one: external auditors
(decision 0023).

Core does not know who they are: apps register *rules* (`register_rule`; `audits` registers
"holds an auditor access, open or not"). At sign-in (`user_logged_in`) the session records
whether the person needs the step; `SecondFactorMiddleware`, after django-otp's
`OTPMiddleware`, then keeps such a session out of everything until the step is passed: pages
redirect to it, the API answers 403 `second_factor_required`. The rule is read once per
sign-in, not once per request; what opens an engagement is checked again by the grant itself
(`is_verified()`), so a flag gone stale never lets anyone in.

Wrong codes count as failed sign-ins of the account from that address (decision 0016's
throttle: the same locks, the same 429 page, the same audit events), on top of django-otp's
own growing delay per device.
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit, logins
from .request_id import current_request_id

Rule = Callable[[object], bool]
_rules: list[Rule] = []
SESSION_KEY = "second_factor_required"
DEVICE_NAME = "TOTP"
# What a session that still owes the step may reach (besides the step itself).
OPEN_PREFIXES = ("/accounts/logout/", "/i18n/", "/healthz", "/readyz", "/licences/")


def register_rule(rule: Rule) -> Rule:
    """Add a rule: `rule(user)` is True when that person must pass a second factor."""
    if rule not in _rules:
        _rules.append(rule)
    return rule


def required_for(user) -> bool:
    return bool(user and user.is_authenticated) and any(rule(user) for rule in _rules)


def on_logged_in(sender, request=None, user=None, **kwargs):
    """Receiver of `user_logged_in`: the session remembers that this person owes the step."""
    session = getattr(logins.http_request(request), "session", None) if request else None
    if session is not None and user is not None and required_for(user):
        session[SESSION_KEY] = True


def owes_step(request: HttpRequest) -> bool:
    """True while this session's person must still pass the second factor."""
    user: Any = request.user  # django-otp's middleware adds `is_verified`
    return bool(user.is_authenticated and request.session.get(SESSION_KEY)
                and not user.is_verified())


def require_step(request: HttpRequest, user) -> None:
    """Mark a session that signed in before its person needed the step (an invitation just
    accepted)."""
    if required_for(user):
        request.session[SESSION_KEY] = True


class SecondFactorMiddleware:
    """Keeps a session that owes the second factor out of every page (redirected to the step)
    and every API route (403 `second_factor_required`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not owes_step(request) or _open(request.path):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"error": {
                "code": "second_factor_required",
                "message": _("Sign in with your second factor (the code of your authenticator "
                             "app) in the browser first."),
                "details": {}, "request_id": current_request_id()}}, status=403)
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('second-factor')}?{query}")


def _open(path: str) -> bool:
    return (path == reverse("second-factor") or path.startswith(OPEN_PREFIXES)
            or path.startswith(settings.STATIC_URL))


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def pending_device(user) -> TOTPDevice:
    """The device being enrolled (its key shown until a first code confirms it)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_of(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed (base32, in groups of four)."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> SafeString:
    """The device's otpauth:// address as an inline SVG QR code (drawn here: no script)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, title=_("QR code to scan with your authenticator app"))
    return mark_safe(svg)  # noqa: S308  (segno's own markup, from our key)


def wait_before_code(request: HttpRequest) -> int:
    """Seconds this address must wait before another code for this account (decision 0016)."""
    return logins.retry_after(logins.client_ip(request), request.user.get_username())


def check_code(request: HttpRequest, code: str) -> bool:
    """Verify `code` against the person's confirmed device, or confirm the one being enrolled;
    on success the session has passed the second factor. A wrong code is a failed sign-in."""
    user = request.user
    code = "".join(code.split())
    device = confirmed_device(user) or pending_device(user)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        verified = code.isdigit() and device.verify_token(code)
        if verified and not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            audit.record(user, "second_factor.enrol", device, organization_id=None,
                         after={"device": device.pk})
    if not verified:
        user_login_failed.send(sender=__name__, credentials={"username": user.get_username()},
                               request=request)
        return False
    otp_login(request, device)
    return True
