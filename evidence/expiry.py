"""Where an evidence item stands against the end of its validity on a date: the date part of
the readiness rule, shared by the rule itself (`checklists.readiness.evidence_state`) and the
evidence API's `expiry_state`, so that both compare dates the same way.

The end itself comes from `checklists.readiness.validity_end` (the item's own end wins; a
requirement's renewal period only for items without one), stored by the checklists'
recomputation on `EvidenceItem.validity_end` with `superseded` (the vault never computes it).
"""

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The evidence API's warning window: the default of an adoption's `warning_days`.
WARNING_DAYS = 30


class Expiry(models.TextChoices):
    VALID = "valid", _("valid")
    EXPIRING = "expiring", _("expires soon")
    EXPIRED = "expired", _("expired")
    SUPERSEDED = "superseded", _("replaced by a newer item")
    ARCHIVED = "archived", _("archived")


def expiry_on(end: datetime.date | None, on: datetime.date,
              warning_end: datetime.date) -> Expiry:
    """Valid, expiring (the end falls on or before `warning_end`, the last day of the warning
    window) or expired (the end is before `on`); no end: valid."""
    if end is not None and end < on:
        return Expiry.EXPIRED
    if end is not None and end <= warning_end:
        return Expiry.EXPIRING
    return Expiry.VALID


def expiry_state(item, on: datetime.date | None = None) -> Expiry:
    """The expiry state of an `EvidenceItem` on `on` (default: today), from its stored
    validity: archived, replaced by a newer item, or as `expiry_on` says."""
    if item.status == "archived":
        return Expiry.ARCHIVED
    if item.superseded:
        return Expiry.SUPERSEDED
    on = on or timezone.localdate()
    return expiry_on(item.validity_end, on, on + datetime.timedelta(days=WARNING_DAYS))
