"""Expiry states of evidence (valid / expiring / expired / no end date), kept current by a
periodic refresh (`workers.refresh_expiry`, hourly) and on demand (`manage.py refresh_expiry`).

Date windows, not date equality: each run puts every non-archived item in the state its
`valid_until` gives for `today`, whatever the state it had, so a missed day (or month) catches up
in one run. The work is a handful of set-based UPDATE statements (never a Python loop over the
rows): one UPDATE per state, whatever the number of evidence items and structures (the distinct
warning windows, a few, become OR-ed conditions). Each UPDATE only matches the rows whose state
is wrong, so a second run for the same day writes nothing, and its filters
(`expiry_state IN (...) AND valid_until ...`) can use the (expiry_state, valid_until) index.

Windows, for a structure whose warning window is W days (its reminder policy, default 30):

    valid_until IS NULL                         -> ""  (no end date)
    valid_until <  today                        -> expired
    today <= valid_until <= today + W           -> expiring   (both ends inclusive)
    valid_until >  today + W                    -> valid

These match `checklists.readiness.assess_evidence` (expiring while `(end - on).days <= W`).
Archived evidence keeps the state it had when archived.
"""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit_prep.models import Organization

from .models import EvidenceItem, EvidenceStatus, ExpiryState

# The per-structure window lives in the structure's reminder policy (app `workers`). The vault
# reads it through the organization's reverse relation, without importing that app.
POLICY_RELATION = "reminder_policy"


def default_window() -> int:
    """The window of a structure without a reminder policy: the policy field's default."""
    policy_model = Organization._meta.get_field(POLICY_RELATION).related_model
    return policy_model._meta.get_field("warning_days").get_default()


def windows() -> list[tuple[int, Q]]:
    """[(window in days, Q selecting the evidence of the structures using it)]: one entry per
    distinct window in use (a few), the default one also covering structures without a policy."""
    default = default_window()
    in_use = set(
        Organization.objects.filter(**{f"{POLICY_RELATION}__isnull": False})
        .order_by().values_list(f"{POLICY_RELATION}__warning_days", flat=True).distinct()
    )
    result = []
    for days in sorted(in_use | {default}):
        structures = Q(**{f"{POLICY_RELATION}__warning_days": days})
        if days == default:
            structures |= Q(**{f"{POLICY_RELATION}__isnull": True})
        result.append((days, Q(organization_id__in=Organization.objects.filter(structures)
                                 .values("pk"))))
    return result


def _others(state: str) -> list[str]:
    return [value for value in ExpiryState.values if value != state]


def refresh(today: datetime.date | None = None) -> dict[str, int]:
    """Mark every non-archived evidence item for `today` (default: the local date). Returns the
    number of items moved into each state: {"none", "valid", "expiring", "expired"}; all zero on
    a second run the same day."""
    today = today or timezone.localdate()
    live = EvidenceItem.objects.exclude(status=EvidenceStatus.ARCHIVED)

    def mark(rows, state: str) -> int:
        # Only rows not already in `state`: an UPDATE that changes nothing writes nothing.
        return rows.filter(expiry_state__in=_others(state)).update(expiry_state=state)

    groups = windows()
    expiring, valid = Q(), Q()
    for days, structures in groups:
        end = today + datetime.timedelta(days=days)
        expiring |= structures & Q(valid_until__lte=end)
        valid |= structures & Q(valid_until__gt=end)
    shortest = today + datetime.timedelta(days=groups[0][0])
    longest = today + datetime.timedelta(days=groups[-1][0])

    with transaction.atomic():
        return {
            "none": mark(live.filter(valid_until__isnull=True), ExpiryState.NONE),
            "expired": mark(live.filter(valid_until__lt=today), ExpiryState.EXPIRED),
            # The outer bounds repeat what the groups say, for the index.
            "expiring": mark(live.filter(expiring, valid_until__gte=today,
                                         valid_until__lte=longest), ExpiryState.EXPIRING),
            "valid": mark(live.filter(valid, valid_until__gt=shortest), ExpiryState.VALID),
        }
