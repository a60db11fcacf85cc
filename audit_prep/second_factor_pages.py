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
        error = code_refused(request)
        if not error:
            return redirect(_next(request))
        status = 400
    return render(request, "accounts/second_factor.html", {
        **step_context(request.user), "next": _next(request), "error": error}, status=status)


def step_context(user) -> dict:
    """What the step's form shows: the code field, and the enrolment (QR code and key) when
    the person has no confirmed device yet (`accounts/second_factor_fields.html`)."""
    device = second_factor.confirmed_device(user)
    enrolling = device is None
    if enrolling:
        device = second_factor.pending_device(user)
    return {"enrolling": enrolling, "qr": second_factor.qr_svg(device) if enrolling else "",
            "secret": second_factor.secret_of(device) if enrolling else ""}


def code_refused(request) -> str:
    """Check the posted code (throttled, decision 0016): "" when it passed, else the message
    (a locked account is answered 429 by `LoginThrottleMiddleware`)."""
    wait = second_factor.wait_before_code(request)
    if wait:
        request.login_retry_after = wait
    elif second_factor.check_code(request, request.POST.get("code", "")):
        return ""
    return _("This code is not the right one. Type the 6 digits your authenticator app shows "
             "now.")
