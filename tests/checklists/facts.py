"""Plain facts for the readiness rule tables: an evidence item and a requirement as the rule
sees them, with overrides, on the frozen day of the tables."""

import datetime

from checklists.readiness import EvidenceFacts, RequirementFacts

TODAY = datetime.date(2026, 11, 26)
WINDOW = 30


def evidence(**overrides) -> EvidenceFacts:
    """Approved evidence with a verified file, in force since January, open-ended."""
    values = {"evidence_id": 1, "title": "Preuve", "status": "approved", "kind": "record",
              "effective_date": datetime.date(2026, 1, 10), "valid_until": None,
              "file_check": "verified"}
    values.update(overrides)
    return EvidenceFacts(**values)


def requirement(**overrides) -> RequirementFacts:
    values = {"requirement_id": 1, "ref_id": "7.2"}
    values.update(overrides)
    return RequirementFacts(**values)


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)
