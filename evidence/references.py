"""How people name an evidence item outside the service: a stable reference and a link.

The reference is derived from the item's id, never stored: "EV-000123". It does not change
when the title, the kind or the revisions change, and two items with the same title have two
references. The link is the item's address in the API under `settings.SITE_URL` (the address
people reach the service at), as reminders and exports print it.
"""

import re

from django.conf import settings

PREFIX = "EV-"
_PATTERN = re.compile(r"^\s*EV-?(\d{1,12})\s*$", re.IGNORECASE)


def reference(evidence_id: int) -> str:
    """"EV-000123": six digits at least, more when the id needs them."""
    return f"{PREFIX}{evidence_id:06d}"


def parse_reference(text: str) -> int | None:
    """The id a reference names ("EV-000123", "ev-123", "EV123"), or None."""
    match = _PATTERN.match(text or "")
    return int(match.group(1)) if match else None


def evidence_path(evidence_id: int) -> str:
    """The path of the item's page (sign-in first when needed)."""
    return f"/evidence/{evidence_id}/"


def evidence_url(evidence_id: int) -> str:
    """The absolute address of the item's page in the service: what e-mails, notifications,
    calendar events and exports link to."""
    return f"{settings.SITE_URL}{evidence_path(evidence_id)}"


# The page listing the evidence (of one structure with `?organization=<id>`).
EVIDENCE_LIST_PATH = "/evidence/"
