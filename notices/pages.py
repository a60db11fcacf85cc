"""Account pages of the notices: a person's e-mail preferences (language, reminder opt-out, the
notice of an address the mail server refused), the secret address of their calendar feed with
its rotation, and their in-app notifications. Same serializer and services as
`api/v1/me/preferences/`, `api/v1/me/calendar/reset/` and `api/v1/notifications/`."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from audit_prep.page_forms import refusals
from audit_prep.services import preference_of

from . import services
from .api.serializers import PreferenceSerializer
from .calendar import feed_url
from .models import Notification

NOTIFICATIONS_PER_PAGE = 25


def _save_preferences(request, preference) -> list[str]:
    """Validate the form's fields with the API's serializer and save them; the refusals."""
    if "clear_refused" in request.POST:
        data = {"email_refused": ""}
    else:
        data = {"language": request.POST.get("language", ""),
                "reminders_opt_out": request.POST.get("reminders_opt_out") == "on"}
    serializer = PreferenceSerializer(preference, data=data, partial=True)
    return refusals(lambda: serializer.is_valid(raise_exception=True) and serializer.save())


@login_required
def preferences(request):
    """E-mail language, reminder opt-out and the refused-address notice; the calendar feed's
    secret address."""
    preference = preference_of(request.user)
    refused: list[str] = []
    if request.method == "POST":
        refused = _save_preferences(request, preference)
        if not refused:
            messages.success(request, _("Your preferences are saved."))
            return redirect("account-preferences")
        preference.refresh_from_db()
    return render(request, "notices/pages/preferences.html", {
        "preference": preference, "refusals": refused,
        "languages": settings.LANGUAGES, "calendar_url": feed_url(preference.calendar_token),
    }, status=400 if refused else 200)


@login_required
@require_POST
def reset_calendar(request):
    """A new secret address for the calendar feed; the previous one stops working at once."""
    services.reset_calendar_token(request.user)
    messages.success(request, _("Your calendar has a new address: the previous one no longer "
                                "works. Subscribe your calendar application to the new one."))
    return redirect("account-preferences")


def _local(link: str) -> str:
    """A notification's link as a path of this site when it points here (the e-mails' links
    carry SITE_URL); other web addresses unchanged, anything else dropped."""
    site = settings.SITE_URL.rstrip("/")
    if link.startswith(site + "/"):
        return link[len(site):]
    return link if link.startswith(("https://", "http://", "/")) else ""


@login_required
def notification_list(request):
    """Your notifications, newest first (nobody else's), unread ones marked."""
    notifications = Notification.objects.filter(user=request.user)
    page = Paginator(notifications.order_by("-created_at", "-id"),
                     NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    items = [(notification, _local(notification.link)) for notification in page.object_list]
    return render(request, "notices/pages/notifications.html", {"page": page, "items": items})


@login_required
@require_POST
def notification_read(request, notification_id: int):
    """Mark one of your notifications read; another person's is not found."""
    notification = get_object_or_404(Notification, pk=notification_id, user=request.user)
    services.mark_read(notification)
    link = _local(notification.link)
    if request.POST.get("open") and link.startswith("/") and url_has_allowed_host_and_scheme(
            link, allowed_hosts=None):
        return redirect(link)
    messages.success(request, _("Notification marked as read."))
    return redirect("notifications-page")


@login_required
@require_POST
def notifications_read_all(request):
    """Mark all your notifications read."""
    count = services.mark_all_read(Notification.objects.filter(user=request.user))
    messages.success(request, ngettext("%(count)d notification marked as read.",
                                       "%(count)d notifications marked as read.", count)
                     % {"count": count})
    return redirect("notifications-page")
