"""The personal calendar feed, served at its secret URL.

The feed URL, `<SITE_URL>/calendar/<token>.ics`, is its own credential: calendar applications
cannot sign in, so whoever holds the URL reads the feed. It is therefore long and random
(`secrets.token_urlsafe(32)`), looked up through the unique index of
`UserPreference.calendar_token`, answered 404 alike whether the token is unknown, rotated or
belongs to a deactivated account, and can be rotated by its owner at any time
(`POST /api/v1/me/calendar/reset/`, in `notices.api.views`).
"""

from django.http import HttpResponse, HttpResponseNotFound
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audit_prep.models import CALENDAR_TOKEN_LENGTH, UserPreference

from .calendar import feed_for

# token_urlsafe(32) is 43 characters; anything shorter was not issued here (an empty token,
# e.g. of a preference saved without one, must never open a feed).
TOKEN_MIN_LENGTH = 43
TOKEN_MAX_LENGTH = CALENDAR_TOKEN_LENGTH
FEED_MAX_AGE = 300


def _no_feed() -> HttpResponseNotFound:
    """The same short answer for every token that opens no feed: calendar applications show
    it as is, and nothing in it tells an unknown token from a rotated or deactivated one."""
    return HttpResponseNotFound(_("No calendar at this address: its link may have been "
                                  "replaced by a newer one (see your account page)."),
                                content_type="text/plain; charset=utf-8")


@require_GET
def calendar_feed(request, token: str):
    """The iCalendar feed of the person whose calendar token is `token`. No session or API
    token: the secret URL is the credential."""
    if not TOKEN_MIN_LENGTH <= len(token) <= TOKEN_MAX_LENGTH:
        return _no_feed()
    preference = (
        UserPreference.objects.select_related("user").filter(calendar_token=token).first()
    )
    if preference is None or not preference.user.is_active:
        return _no_feed()
    response = HttpResponse(feed_for(preference.user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="audit-prep.ics"'
    response["Cache-Control"] = f"private, max-age={FEED_MAX_AGE}"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
