"""The suggestions block of an evidence item's page (decision 0032), for the item's page and
the views that swap it."""

from django.utils.translation import get_language

from evidence.models import EvidenceItem

from ..models import Requirement
from . import services

BLOCK = "checklists/pages/evidence_suggestions.html"


def requirement_name(requirement: Requirement) -> str:
    return (requirement.name_en if get_language() == "en" and requirement.name_en
            else requirement.name_fr)


def context(request, item: EvidenceItem, refused=None) -> dict:
    """What the item's page shows of its suggestions: grouped by referential, best first."""
    groups: list[dict] = []
    for suggestion in services.for_item(request.user, item):
        suggestion.extra["name"] = requirement_name(suggestion.requirement)
        referential = suggestion.requirement.referential
        if not groups or groups[-1]["referential"] != referential:
            groups.append({"referential": referential, "suggestions": []})
        groups[-1]["suggestions"].append(suggestion)
    return {"suggestion_groups": groups,
            "may_decide_suggestions": services.may_decide(request.user, item),
            "suggestion_refusals": refused or [], "suggestion_said": ""}
