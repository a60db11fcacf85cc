"""What every export of the checklist shares: status colours and the words of its cells."""

import datetime

from django.utils.translation import gettext as _

from audit_prep.i18n import active_language

from ..readiness import Status

# Status colours as (fill, text) RGB: the text colour keeps the word readable on its fill.
STATUS_COLOURS = {
    Status.COVERED: ("A5D6A7", "000000"),          # green
    Status.EXPIRING: ("FFC107", "000000"),         # amber
    Status.EXPIRED: ("E53935", "FFFFFF"),          # red
    Status.MISSING: ("7F0000", "FFFFFF"),          # dark red
    Status.PENDING: ("90A4AE", "000000"),          # blue grey
    Status.NOT_APPLICABLE: ("E0E0E0", "000000"),   # light grey
}
GATE_COLOURS = {True: STATUS_COLOURS[Status.COVERED], False: STATUS_COLOURS[Status.EXPIRED]}


def as_date(value) -> datetime.date | None:
    """A date from a date, a datetime or an ISO string (the dict may have gone through JSON)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def french() -> bool:
    return active_language() == "fr"


def date_text(value) -> str:
    day = as_date(value)
    if day is None:
        return ""
    return day.strftime("%d/%m/%Y") if french() else day.isoformat()


def status_word(item: dict) -> str:
    return str(item.get("status_label") or Status(item["status"]).label)


def yes_no(flag) -> str:
    return _("Yes") if flag else _("No")


def documented_information(item: dict) -> str:
    """What documented information the requirement asks for ("none" when it asks for none:
    it is a requirement all the same)."""
    if item.get("documented_information_label"):
        return str(item["documented_information_label"])
    words = {"maintain": _("to maintain"), "retain": _("to retain")}
    values = item.get("documented_information") or []
    return ", ".join(str(words.get(value, value)) for value in values) or _("none")


def requirement_name(item: dict) -> str:
    return f"{item['name']} *" if item.get("name_is_descriptive") else item["name"]


def revision_text(evidence: dict) -> str:
    """"v2", or a dash while no revision of the item is verified (no current revision)."""
    number = evidence.get("revision")
    return "—" if number is None else f"v{number}"


def hash_text(evidence: dict, sep: str = " ") -> str:
    """The first hex digits of the SHA-256 of each file of the current revision."""
    return sep.join(evidence.get("sha256") or []) or "—"


def evidence_label(evidence: dict) -> str:
    """"EV-000123 v2 — Title": the reference first, so that two items with one title differ."""
    return f"{evidence.get('reference', '')} {revision_text(evidence)} — {evidence['title']}"


def evidence_titles(item: dict, limit: int | None = None, sep: str = "\n") -> str:
    shown = item.get("evidence") or []
    titles = [evidence_label(evidence) for evidence in shown[:limit]]
    hidden = max(item.get("evidence_count", len(shown)), len(shown)) - len(titles)
    if hidden > 0:
        titles.append(f"… (+{hidden})")
    return sep.join(titles)


def in_clause_order(items: list[dict]) -> list[dict]:
    """The checklist's items in the referential's order, whatever order the checklist uses."""
    return sorted(items, key=lambda item: item.get("position", 0))


def evidence_rows(items: list[dict]) -> list[tuple[dict, dict]]:
    """(requirement item, evidence) for every linked item, in clause order."""
    return [(item, evidence) for item in in_clause_order(items)
            for evidence in item.get("evidence") or []]


def evidence_titles_row() -> list[str]:
    return [_("Requirement"), _("Reference"), _("Title"), _("State"), _("Revision"),
            _("Effective date"), _("Valid until"), _("SHA-256 (first 12 digits)"), _("Link")]


def evidence_state(evidence: dict) -> str:
    return str(evidence.get("state_label") or evidence.get("state") or "")


def referential_title(checklist: dict) -> str:
    referential = checklist["referential"]
    version = f" ({referential['version']})" if referential.get("version") else ""
    return f"{referential['name']}{version}"


def score_text(score) -> str:
    """The score, a percentage with one decimal (a comma in French)."""
    if score is None:
        return _("n/a")
    text = f"{float(score):.1f}"
    return f"{text.replace('.', ',') if french() else text} %"


def header_facts(checklist: dict) -> list[tuple[str, object]]:
    """The header lines but the score: (label, text or date)."""
    target = checklist.get("target_audit_date")
    return [
        (_("Structure"), checklist["organization"]["name"]),
        (_("Referential"), referential_title(checklist)),
        (_("Reference date"), as_date(checklist["reference_date"])),
        (_("Target audit date"), as_date(target) if target else _("not set")),
    ]


def column_titles() -> list[str]:
    return [_("Requirement"), _("Title"), _("Documented information"), _("Status"),
            _("Reason"), _("Valid until"), _("Linked evidence"),
            _("Justification of the exclusion")]


def descriptive_legend() -> str:
    return _("* Descriptive title given by audit-prep, not an official title of the referential.")
