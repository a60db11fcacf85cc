"""The second-factor step after the password (decision 0023): the code of the person's
authenticator app, or, the first time, enrolling one (a QR code drawn on the server and the key
as text), confirmed by a first code. Then on to the page first asked for."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from . import second_factor


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return "/"


@login_required
def second_factor_step(request):
    """Ask for the code (and enrol a device first when the person has none)."""
    if request.user.is_verified():
        return redirect(_next(request))
    error, status = "", 200
    if request.method == "POST":
        wait = second_factor.wait_before_code(request)
        if wait:
            request.login_retry_after = wait  # answered 429 by LoginThrottleMiddleware
        elif second_factor.check_code(request, request.POST.get("code", "")):
            return redirect(_next(request))
        error = _("This code is not the right one. Type the 6 digits your authenticator app "
                  "shows now.")
        status = 400
    device = second_factor.confirmed_device(request.user)
    enrolling = device is None
    if enrolling:
        device = second_factor.pending_device(request.user)
    return render(request, "accounts/second_factor.html", {
        "enrolling": enrolling, "next": _next(request), "error": error,
        "qr": second_factor.qr_svg(device) if enrolling else "",
        "secret": second_factor.secret_of(device) if enrolling else "",
    }, status=status)
