"""What the checklist needs of a structure's populations: their members and the evidence
naming each (one query, whatever the number of members), and the JSON of a per-member
requirement's coverage ("23 / 25 covered" and who is missing or expiring)."""

from django.utils.translation import ngettext

from populations.models import Population, PopulationKind

from ..member_coverage import Coverage, MemberFacts

_COLUMNS = ("kind", "members__id", "members__reference", "members__initials",
            "members__entry_date", "members__exit_date", "members__evidence_links__evidence_id")


def population_facts(organization_id: int, kinds: set[str]) -> dict[str, list[MemberFacts]]:
    """Per population kind in `kinds` that the structure keeps, its members with the ids of
    the evidence naming each; no query when `kinds` is empty."""
    if not kinds:
        return {}
    rows = (Population.objects.filter(organization_id=organization_id, kind__in=kinds)
            .order_by().values_list(*_COLUMNS))
    found: dict[str, dict[int, list]] = {}
    for kind, member_id, reference, initials, entry, exit_, evidence_id in rows:
        members = found.setdefault(kind, {})
        if member_id is None:
            continue  # a population without members
        member = members.setdefault(member_id, [reference, initials, entry, exit_, set()])
        if evidence_id is not None:
            member[4].add(evidence_id)
    return {kind: [MemberFacts(member_id, reference, initials, entry, exit_, frozenset(ids))
                   for member_id, (reference, initials, entry, exit_, ids) in members.items()]
            for kind, members in found.items()}


def coverage_label(coverage: Coverage) -> str:
    return ngettext("%(covered)d / %(present)d covered", "%(covered)d / %(present)d covered",
                    coverage.covered) % {"covered": coverage.covered,
                                         "present": coverage.present}


def coverage_json(coverage: Coverage | None) -> dict | None:
    """The members of a per-member requirement as the checklist shows them (None otherwise)."""
    if coverage is None:
        return None
    return {
        "kind": coverage.kind, "kind_label": str(PopulationKind(coverage.kind).label),
        "recorded": coverage.recorded, "present": coverage.present,
        "covered": coverage.covered, "label": coverage_label(coverage),
        "not_covered": [
            {"id": item.member.member_id, "reference": item.member.reference,
             "initials": item.member.initials, "status": item.status.value,
             "status_label": str(item.status.label), "reason": item.reason,
             "valid_until": item.valid_until}
            for item in coverage.not_covered],
    }
