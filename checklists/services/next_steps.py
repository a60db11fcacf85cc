"""What to do next before the audit: the gaps of a checklist ordered by their effect on it, and
the summary of an adoption the home of a structure shows (stored with the latest readiness by
the workers, `readiness_state`, so that the page reads it instead of computing every
checklist).

The ordering rule, written here only:

1. stage-1 gates that fail (an auditor stops at stage 1 on them), in the gates' order;
2. missing requirements, those asking for documented information first (ISO 9001's mandatory
   "shall maintain / retain documented information"), then in clause order;
3. expired evidence (the requirement counts as not covered any more);
4. evidence whose validity ends before the target audit date (or, without one, within the
   warning window: the requirement is "expiring"), the earliest end first;
5. evidence waiting for approval or for its file's verification (pending).

It only sorts what the checklist (the one readiness rule, `checklists.readiness`) decided: it
never judges evidence itself.
"""

import datetime

from .. import gates

KINDS = ("gate", "missing", "expired", "expires_before_audit", "pending")
STEPS_KEPT = 10  # per adoption: the home shows the first ones and counts the rest
_GATE_PARAMS = ("chapters_missing", "refused_exclusions")
_GATE_KEYS = ("code", "clause", "label", "passed", "reason", "message", "evidence")


def _day(value) -> str | None:
    return value.isoformat() if value else None


def _evidence(item: dict) -> dict:
    first = item["evidence"][0] if item.get("evidence") else None
    return {"evidence_id": first["id"], "evidence_title": first["title"]} if first else {
        "evidence_id": None, "evidence_title": ""}


def _requirement_step(kind: str, item: dict, **extra) -> dict:
    return {"kind": kind, "requirement_id": item["requirement_id"], "ref_id": item["ref_id"],
            "chapter": item["chapter"], "status": item["status"],
            "documented": item["documented_information_code"] != "none",
            **_evidence(item), **extra}


def _ends_before(item: dict, audit_date: datetime.date | None) -> bool:
    """Covered now, but not on the audit day: the validity ends before the target audit date;
    without a (future) audit date, the requirement is expiring (within the warning window)."""
    if item["status"] not in ("covered", "expiring"):
        return False
    if audit_date is None:
        return item["status"] == "expiring"
    return item["valid_until"] is not None and item["valid_until"] < audit_date


def steps(data: dict, audit_date: datetime.date | None = None) -> list[dict]:
    """Every gap of the checklist `data` (`checklist.build`, with at least one evidence item
    per requirement) as a step, most urgent first (the rule of this module's docstring).
    `audit_date`: the target audit date, if any (evidence ending before it needs renewing)."""
    found: list[tuple[tuple, dict]] = []
    if audit_date is not None and audit_date < data["reference_date"]:
        audit_date = None  # a past target date: nothing to keep until then
    for index, gate in enumerate(data["gates"]):
        if not gate["passed"]:
            params = {key: gate.get(key, []) for key in _GATE_PARAMS}
            # a registered gate's own words (no language: e.g. "#1, #3"), for its message
            params.update({key: value for key, value in gate.items()
                           if key not in _GATE_KEYS and isinstance(value, str)})
            found.append(((0, index), {"kind": "gate", "code": gate["code"],
                                       "clause": gate["clause"], "chapter":
                                       gate["clause"].split(".")[0], "reason": gate["reason"],
                                       "params": params}))
    for item in data["items"]:
        if not item["counted"]:
            continue  # a clause with sub-clauses: its sub-clauses are the steps
        position = item["position"]
        if item["status"] == "missing":
            documented = item["documented_information_code"] != "none"
            found.append(((1, not documented, position), _requirement_step("missing", item)))
        elif item["status"] == "expired":
            found.append(((2, position), _requirement_step("expired", item)))
        elif _ends_before(item, audit_date):
            end = item["valid_until"] or datetime.date.max
            found.append(((3, end, position), _requirement_step(
                "expires_before_audit", item, valid_until=_day(item["valid_until"]))))
        elif item["status"] == "pending":
            found.append(((4, position), _requirement_step("pending", item,
                                                           reason=item["reason"])))
    found.sort(key=lambda pair: pair[0])
    return [step for _key, step in found]


def gate_message(reason: str, params: dict) -> str:
    """The gate's reason, in the active language, from the codes a summary stores."""
    text = str(gates.REASONS[reason])
    if "%(" not in text:
        return text
    return text % {**{key: value for key, value in params.items() if isinstance(value, str)},
                   "chapters": ", ".join(params.get("chapters_missing", [])),
                   "refs": ", ".join(params.get("refused_exclusions", []))}


def summary(data: dict, audit_date: datetime.date | None) -> dict:
    """What the home of a structure shows of one adoption, JSON-ready and without a word of
    any language (the page names chapters and requirements in the reader's): the reference
    date, each chapter's score and counts, and the first steps with the count of each kind."""
    found = steps(data, audit_date)
    counts = {kind: 0 for kind in KINDS}
    for step in found:
        counts[step["kind"]] += 1
    return {
        "reference_date": _day(data["reference_date"]),
        "audit_date": _day(audit_date),
        "chapters": [{"ref_id": chapter["ref_id"], "score": chapter["score"],
                      "counts": chapter["counts"]} for chapter in data["chapters"]],
        "steps": found[:STEPS_KEPT],
        "step_counts": counts,
    }
