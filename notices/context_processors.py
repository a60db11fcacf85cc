"""What every page's frame shows from the notices: the signed-in person's unread
notification count in the header menu, counted once per page and only when a template reads it
(one query)."""

from django.utils.functional import cached_property

from .models import Notification


class UnreadNotifications:
    def __init__(self, user):
        self.user = user

    @cached_property
    def count(self) -> int:
        return Notification.objects.filter(user=self.user, read_at__isnull=True).count()


def unread_notifications(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": UnreadNotifications(user)}
