"""How suggestions fare: of those shown to people who may decide, how many were accepted or
dismissed, overall, per structure and by the rank they were shown at. The rate is the share
of accepted among the decided ones (a pending suggestion says nothing yet)."""

from django.db.models import Count

from audit_prep import access
from audit_prep.models import Organization
from audit_prep.roles import Action

from ..models import SuggestionDecision, TagSuggestion

RANKS_APART = 3  # ranks 1, 2, 3 each apart; deeper ranks together ("4+")


def _empty() -> dict:
    return {"shown": 0, "accepted": 0, "dismissed": 0}


def _rated(counts: dict) -> dict:
    decided = counts["accepted"] + counts["dismissed"]
    rate = round(100 * counts["accepted"] / decided, 1) if decided else None
    return {**counts, "pending": counts["shown"] - decided, "acceptance_rate": rate}


def _add(counts: dict, decision: str, number: int) -> None:
    counts["shown"] += number
    if decision == SuggestionDecision.ACCEPTED:
        counts["accepted"] += number
    elif decision == SuggestionDecision.DISMISSED:
        counts["dismissed"] += number


def acceptance(suggestions) -> dict:
    """Counts and rate of `suggestions` (a TagSuggestion queryset), overall, per structure
    (`organization` id), by rank and by where they were shown (the item's page, or a missing
    requirement's), in one query."""
    overall = _empty()
    groups: dict[str, dict] = {"by_rank": {}, "by_source": {}, "by_organization": {}}
    for organization_id, rank, source, decision, number in (
            suggestions.order_by().values("evidence__organization_id", "rank", "source",
                                          "decision")
            .annotate(number=Count("id")).values_list("evidence__organization_id", "rank",
                                                       "source", "decision", "number")):
        rank_key = str(rank) if rank <= RANKS_APART else f"{RANKS_APART + 1}+"
        _add(overall, decision, number)
        for group, key in (("by_rank", rank_key), ("by_source", source),
                           ("by_organization", organization_id)):
            _add(groups[group].setdefault(key, _empty()), decision, number)
    return {"overall": _rated(overall),
            "by_rank": [{"rank": key, **_rated(counts)}
                        for key, counts in sorted(groups["by_rank"].items())],
            "by_source": [{"source": key, **_rated(counts)}
                          for key, counts in sorted(groups["by_source"].items())],
            "by_organization": {key: _rated(counts)
                                for key, counts in groups["by_organization"].items()}}


def for_quality_managers(user) -> dict:
    """The acceptance in the structures where `user` manages the referentials (quality
    managers): overall over them, by rank, and one line per structure."""
    organizations = list(access.scope(Organization.objects.order_by("name"), user,
                                      Action.MANAGE_REFERENTIALS))
    found = acceptance(TagSuggestion.objects.filter(
        evidence__organization__in=[organization.pk for organization in organizations]))
    per = found.pop("by_organization")
    found["structures"] = [{"organization": organization.pk, "name": organization.name,
                            **per.get(organization.pk, _rated(_empty()))}
                           for organization in organizations]
    return found
