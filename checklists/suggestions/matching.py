"""The other direction (decision 0032): for a requirement the checklist shows without
evidence, the structure's existing evidence that best matches it, found by the vault's
full-text search (`evidence.search`, decision 0030) with an "any of these words" query built
from the requirement's name, keywords and typical evidence, scoped by the choke point; each
with the words of the item that matched. Recorded and decided like the item's suggestions."""

from dataclasses import dataclass

from audit_prep import access
from audit_prep.roles import Action
from evidence import search
from evidence.models import EvidenceItem, EvidenceStatus

from ..models import Requirement, SuggestionSource, TagSuggestion
from . import ranking
from .services import item_query, record_shown
from .text import Terms, terms

SHOWN = 5
WORDS_SHOWN = 6


@dataclass
class EvidenceMatch:
    item: EvidenceItem
    rank: int
    score: float
    words: list[str]
    recorded: bool = False


def requirement_text(requirement: Requirement) -> str:
    """What the requirement says it expects, in French: its name, keywords and typical
    evidence (the description paraphrases the standard and would find everything)."""
    return " ; ".join([requirement.name_fr,
                       *(requirement.keywords or {}).get("fr", ()),
                       *(requirement.typical_evidence or {}).get("fr", ())])


def _requirement_terms(requirement: Requirement) -> Terms:
    found = Terms()
    found.add(terms(requirement.name_fr), ranking.FIELD_WEIGHTS["name"])
    found.add(terms(" ; ".join((requirement.keywords or {}).get("fr", ()))),
              ranking.FIELD_WEIGHTS["keywords"])
    found.add(terms(" ; ".join((requirement.typical_evidence or {}).get("fr", ()))),
              ranking.FIELD_WEIGHTS["evidence"])
    return found


def _reason(wanted: Terms, item: EvidenceItem) -> list[str]:
    """The words of the item (as written there) that the requirement asks for, the weightiest
    first; a word already within a two-word term shown is not repeated."""
    written = item_query(item)
    common = sorted((term for term in wanted.counts if term in written.counts),
                    key=lambda term: (-wanted.counts[term] * (2 if " " in term else 1), term))
    chosen: list[str] = []
    within: set[str] = set()
    for term in common:
        if term not in within:
            chosen.append(written.spelled[term])
            within.update(term.split(" "))
        if len(chosen) == WORDS_SHOWN:
            break
    return chosen


def for_requirement(user, organization_id: int, requirement: Requirement,
                    shown: int = SHOWN) -> list[EvidenceMatch]:
    """The structure's evidence (that `user` may see, not archived, not yet linked to the
    requirement, not decided on for it) that best matches the requirement, best first;
    recorded as shown when `user` may link it."""
    query = search.any_of(requirement_text(requirement))
    if query is None:
        return []
    decided = TagSuggestion.objects.filter(requirement=requirement).exclude(decision="")
    items = access.scope(EvidenceItem.objects.filter(organization_id=organization_id)
                         .exclude(status=EvidenceStatus.ARCHIVED)
                         .exclude(requirement_links__requirement=requirement)
                         .exclude(pk__in=decided.values("evidence_id")), user)
    # Any of the requirement's words matches most of a vault: rank every match, not the
    # first found, to show the best few.
    found = list(search.ranked(items, query, every_match=True).prefetch_related("tags")[:shown])
    wanted = _requirement_terms(requirement)
    matches = [EvidenceMatch(item=item, rank=number, score=round(max(item.search_rank, 0), 4),
                             words=_reason(wanted, item))
               for number, item in enumerate(found, 1)]
    if matches and access.can(user, Action.CHANGE, organization_id):
        record_shown([(match.item, requirement, match) for match in matches],
                     SuggestionSource.REQUIREMENT)
    return matches
