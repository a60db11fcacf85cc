"""The pages that links outside the service (e-mails, notifications, calendar events) open for
readiness: a referential's checklist, at a date when the link looks ahead to an audit."""

import datetime

from django.conf import settings


def checklist_path(adoption_id: int, on: datetime.date | None = None) -> str:
    """The path of the checklist page of an adopted referential (sign-in first when needed)."""
    path = f"/checklists/{adoption_id}/"
    return f"{path}?date={on.isoformat()}" if on else path


def checklist_url(adoption_id: int, on: datetime.date | None = None) -> str:
    return f"{settings.SITE_URL}{checklist_path(adoption_id, on)}"


def structure_url(organization_id: int) -> str:
    """The absolute address of a structure's home page (its readiness per referential)."""
    return f"{settings.SITE_URL}/structures/{organization_id}/"


# The signed-in home: the person's structures.
HOME_URL_PATH = "/"
