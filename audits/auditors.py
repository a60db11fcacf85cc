"""The external auditor's grant on one engagement (decision 0022), registered with the
authorization choke point (`audit_prep.access.register_engagement_grant_source`).

An auditor may view and download what the engagement shows and write as its auditor
(`Action.AUDIT`: requests, messages, findings) while their access is open today, not revoked,
and their session passed the second factor. Nothing else: an auditor is no member, so every
structure-wide queryset (`access.scope`) is empty for them."""

import datetime

from django.utils import timezone

from audit_prep import second_factor
from audit_prep.access import memoised, register_engagement_grant_source
from audit_prep.roles import Action

from .models import AuditorAccess, Engagement

AUDITOR_ACTIONS = frozenset({Action.VIEW, Action.DOWNLOAD, Action.AUDIT})
DAYS_AFTER_AUDIT = 30


def default_window(engagement: Engagement, today: datetime.date | None = None
                   ) -> tuple[datetime.date, datetime.date]:
    """Opens today (or on the audit's first day when the invitation is late), closes 30 days
    after the audit's last day."""
    today = today or timezone.localdate()
    return min(today, engagement.start_date), engagement.end_date + datetime.timedelta(
        days=DAYS_AFTER_AUDIT)


def second_factor_passed(user) -> bool:
    """True when this session's sign-in passed a second factor (django-otp's middleware sets
    `is_verified` on the request's user)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(callable(is_verified) and is_verified())


def access_of(user, engagement_id: int) -> AuditorAccess | None:
    """The user's auditor access to the engagement, open or not (memoised for the request)."""
    return memoised(user, ("auditor_access", engagement_id), lambda: AuditorAccess.objects
                    .filter(user=user, engagement_id=engagement_id).first())


@register_engagement_grant_source
def auditor_grants(user, engagement) -> frozenset[Action]:
    access = access_of(user, engagement.pk)
    if access is None or not access.is_open_on(timezone.localdate()):
        return frozenset()
    if not second_factor_passed(user):
        return frozenset()
    return AUDITOR_ACTIONS


@second_factor.register_rule
def holds_auditor_access(user) -> bool:
    """Whoever holds an auditor access, open or not, signs in with a second factor."""
    return AuditorAccess.objects.filter(user=user).exists()
