"""The personal calendar feed and the API that hands out (and rotates) its secret URL.

The feed URL, `<SITE_URL>/calendar/<token>.ics`, is its own credential: calendar applications
cannot sign in, so whoever holds the URL reads the feed. It is therefore long and random
(`secrets.token_urlsafe(32)`), looked up through the unique index of
`UserPreference.calendar_token`, answered 404 alike whether the token is unknown, rotated or
belongs to a deactivated account, and can be rotated by its owner at any time.
"""

import secrets

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from audit_prep import audit
from audit_prep.models import UserPreference
from audit_prep.services import preference_of

from .calendar import feed_for

TOKEN_BYTES = 32
# token_urlsafe(32) is 43 characters; anything shorter was not issued here (an empty token,
# e.g. of a preference saved without one, must never open a feed).
TOKEN_MIN_LENGTH = 43
TOKEN_MAX_LENGTH = UserPreference._meta.get_field("calendar_token").max_length
FEED_MAX_AGE = 300


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def feed_url(token: str) -> str:
    return f"{settings.SITE_URL}/calendar/{token}.ics"


@require_GET
def calendar_feed(request, token: str):
    """The iCalendar feed of the person whose calendar token is `token`. No session or API
    token: the secret URL is the credential."""
    if not TOKEN_MIN_LENGTH <= len(token) <= TOKEN_MAX_LENGTH:
        raise Http404()
    preference = (
        UserPreference.objects.select_related("user").filter(calendar_token=token).first()
    )
    if preference is None or not preference.user.is_active:
        raise Http404()
    response = HttpResponse(feed_for(preference.user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="audit-prep.ics"'
    response["Cache-Control"] = f"private, max-age={FEED_MAX_AGE}"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


_URL_RESPONSE = inline_serializer("CalendarFeedUrl", {"url": serializers.URLField()})


@extend_schema(responses=_URL_RESPONSE)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def my_calendar(request):
    """The secret address of your calendar feed (expiry dates of your evidence, audit dates of
    your structures), to subscribe to from Outlook, Thunderbird or Google Calendar. Anyone
    holding it can read the feed: keep it private, and reset it if it leaked."""
    preference = preference_of(request.user)
    return Response({"url": feed_url(preference.calendar_token)})


@extend_schema(request=None, responses=_URL_RESPONSE)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def reset_my_calendar(request):
    """Give your calendar feed a new secret address; the previous one stops working at once
    (calendars subscribed to it must subscribe again)."""
    user = request.user
    preference_of(user)
    with transaction.atomic():
        preference = UserPreference.objects.select_for_update().get(user=user)
        preference.calendar_token = new_token()
        preference.save(update_fields=["calendar_token"])
        audit.record(user, "calendar.token_reset", preference, organization_id=None)
    return Response({"url": feed_url(preference.calendar_token)})
