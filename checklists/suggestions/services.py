"""Suggested tags (decision 0032): the requirements that best match an evidence item, shown to
people who confirm or dismiss each one. Only ever proposed: a link is made by a person, through
the linking service (`links.link_many`: the same checks, audit trail and permissions).

What was shown to someone who may decide is recorded (`TagSuggestion`, one row per item and
requirement) with its rank, score and the words that matched, then its outcome, so that the
acceptance rate can be judged (`acceptance`)."""

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from audit_prep import access, audit
from audit_prep.api.filters import MAX_ID
from audit_prep.roles import Action
from evidence.models import EvidenceItem, EvidenceStatus, FileText

from ..models import (
    Adoption,
    EvidenceLink,
    Exclusion,
    Requirement,
    SuggestionDecision,
    SuggestionSource,
    TagSuggestion,
)
from ..services import links
from ..services.checklist import exclusions_applied, tree_order
from . import ranking
from .text import MAX_CHARS

PER_REFERENTIAL = 3  # suggestions per referential the structure follows
MIN_SCORE = 8.0  # below this, a requirement shares only a few common words with the item


@dataclass
class Suggestion:
    """A requirement suggested for an item, as shown."""

    requirement: Requirement
    rank: int
    score: float
    words: list[str]
    decision: str = ""
    recorded: bool = False  # a row records that it was shown to someone who may decide
    extra: dict = field(default_factory=dict)


def item_text(item: EvidenceItem) -> str:
    """The text of the files of the item's current revision (its first `MAX_CHARS`)."""
    texts = (FileText.objects.filter(stored_file__revision__evidence_id=item.pk,
                                     stored_file__revision__is_current=True)
             .order_by("stored_file_id").annotate(head=Substr("text", 1, MAX_CHARS))
             .values_list("head", flat=True))
    return "\n".join(texts)[:MAX_CHARS]


def item_query(item: EvidenceItem) -> ranking.Terms:
    tags = [tag.name for tag in item.tags.all()]
    return ranking.query_terms(item.title, tags, item.description, item_text(item))


class _Node(NamedTuple):
    """A requirement as the ranking and the exclusions read it (a plain row: no model)."""

    pk: int
    referential_id: int
    parent_id: int | None
    ref_id: str
    order: int
    assessable: bool
    excludable: bool
    name_fr: str
    description_fr: str
    typical_evidence: dict
    keywords: dict


def _row(node: _Node) -> ranking.Row:
    return ranking.Row(
        pk=node.pk, referential_id=node.referential_id, parent_id=node.parent_id,
        ref_id=node.ref_id, name=node.name_fr, description=node.description_fr,
        evidence=tuple((node.typical_evidence or {}).get("fr", ())),
        keywords=tuple((node.keywords or {}).get("fr", ())))


def candidates(organization_id: int) -> tuple[list[ranking.Index], set[int]]:
    """The indexes of the referentials the structure follows and the ids of the requirements
    that may be suggested (assessable, in force, not excluded: the exclusions in effect, as
    the checklist applies them). Three queries, whatever the number of referentials."""
    adopted = list(Adoption.objects.filter(organization_id=organization_id)
                   .order_by("referential__ref_id")
                   .values_list("referential_id", "referential__organization_id"))
    nodes = [_Node(*values) for values in Requirement.objects.filter(
        Q(organization__isnull=True) | Q(organization_id=organization_id),
        referential_id__in=[referential for referential, _owner in adopted],
        retired_at__isnull=True).values_list(*_Node._fields)]
    excluded = dict(Exclusion.objects.filter(
        organization_id=organization_id,
        requirement__referential_id__in=[referential for referential, _owner in adopted])
        .values_list("requirement_id", "justification"))
    indexes: list[ranking.Index] = []
    eligible: set[int] = set()
    for referential_id, owner in adopted:
        own = tree_order([node for node in nodes if node.referential_id == referential_id])
        effective, _refused = exclusions_applied(excluded, own, owner is not None)
        eligible.update(node.pk for node in own if node.assessable and node.pk not in effective)
        indexes.append(ranking.index_for(referential_id, [_row(node) for node in own]))
    return indexes, eligible


def rank_item(item: EvidenceItem, per_referential: int = PER_REFERENTIAL) -> list[Suggestion]:
    """The requirements that best match the item, `per_referential` at most in each referential
    it follows, best referential first; none already linked or already decided on."""
    taken = set(EvidenceLink.objects.filter(evidence=item)
                .values_list("requirement_id", flat=True))
    taken |= set(TagSuggestion.objects.filter(evidence=item).exclude(decision="")
                 .values_list("requirement_id", flat=True))
    return rank_terms(item.organization_id, item_query(item), taken, per_referential)


def rank_terms(organization_id: int, query: ranking.Terms, taken=frozenset(),
               per_referential: int = PER_REFERENTIAL) -> list[Suggestion]:
    """The requirements of the referentials the structure follows that best match `query`,
    but those `taken`; grouped by referential, the best referential first."""
    indexes, eligible = candidates(organization_id)
    eligible -= set(taken)
    if not eligible:
        return []
    matches = [match for match in ranking.rank(query, indexes, eligible, per_referential)
               if match.score >= MIN_SCORE]
    requirements = Requirement.objects.select_related("referential").in_bulk(
        [match.row.pk for match in matches])
    best: dict[int, float] = {}
    for match in matches:
        best.setdefault(match.row.referential_id, match.score)
    matches.sort(key=lambda match: (-best[match.row.referential_id],
                                    requirements[match.row.pk].referential.ref_id, match.rank))
    return [Suggestion(requirement=requirements[m.row.pk], rank=m.rank, score=m.score,
                       words=m.words) for m in matches]


def may_decide(user, item: EvidenceItem) -> bool:
    """Who may link the item may accept or dismiss its suggestions."""
    return (access.can(user, Action.CHANGE, item.organization_id)
            and item.status != EvidenceStatus.ARCHIVED)


def for_item(user, item: EvidenceItem) -> list[Suggestion]:
    """The suggestions for the item, as `user` sees them; recorded as shown when the user may
    decide on them (a viewer sees them and records nothing)."""
    suggestions = rank_item(item)
    if suggestions and may_decide(user, item):
        record_shown([(item, s.requirement, s) for s in suggestions], SuggestionSource.ITEM)
    return suggestions


def record_shown(entries: list[tuple[EvidenceItem, Requirement, Any]], source: str) -> None:
    """Record what was shown: `entries` are (item, requirement, shown) where `shown` has the
    `rank`, `score` and `words` shown (its `recorded` is set). One row per item and
    requirement: created when first shown; a pending row follows the latest ranking; a decided
    one is never changed."""
    now = timezone.now()
    existing = {(row.evidence_id, row.requirement_id): row for row in TagSuggestion.objects
                .filter(evidence__in={item.pk for item, _r, _s in entries},
                        requirement__in={requirement.pk for _i, requirement, _s in entries})}
    new, changed = [], []
    for item, requirement, shown in entries:
        row = existing.get((item.pk, requirement.pk))
        values = {"rank": shown.rank, "score": shown.score, "words": shown.words}
        if row is None:
            new.append(TagSuggestion(evidence=item, requirement=requirement, source=source,
                                     shown_at=now, **values))
        elif not row.decision and any(getattr(row, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            changed.append(row)
        shown.recorded = True
    TagSuggestion.objects.bulk_create(new, ignore_conflicts=True)  # two pages at once
    TagSuggestion.objects.bulk_update(changed, ["rank", "score", "words"])


def _pending(actor, item: EvidenceItem, requirement_id: int) -> TagSuggestion:
    access.require(actor, Action.CHANGE, item.organization_id)
    found = (TagSuggestion.objects.select_for_update()
             .filter(evidence=item, requirement_id=requirement_id, decision="")
             .select_related("requirement__referential").first()
             if 1 <= requirement_id <= MAX_ID else None)
    if found is None:
        raise ValidationError({"requirement": [_(
            "This requirement is not a pending suggestion for this evidence item.")]},
            code="not_suggested")
    return found


def _decide(actor, item: EvidenceItem, suggestion: TagSuggestion, decision: str) -> None:
    suggestion.decision = decision
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["decision", "decided_by", "decided_at"])
    audit.record(actor, f"suggestion.{decision}", item, after={
        "requirement": suggestion.requirement.urn, "rank": suggestion.rank,
        "score": suggestion.score, "source": suggestion.source})


def accept(actor, item: EvidenceItem, requirement_id) -> TagSuggestion:
    """Link the item to the suggested requirement (the linking service's checks and trail;
    a link made by hand meanwhile is kept) and record the acceptance."""
    with transaction.atomic():
        suggestion = _pending(actor, item, requirement_id)
        links.link_many(actor, [item], [suggestion.requirement])
        _decide(actor, item, suggestion, SuggestionDecision.ACCEPTED)
    return suggestion


def dismiss(actor, item: EvidenceItem, requirement_id) -> TagSuggestion:
    """Record that the suggestion does not fit: it is not shown again for this item."""
    with transaction.atomic():
        suggestion = _pending(actor, item, requirement_id)
        _decide(actor, item, suggestion, SuggestionDecision.DISMISSED)
    return suggestion
