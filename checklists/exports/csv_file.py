"""The checklist as CSV for a French spreadsheet: UTF-8 with a byte order mark, semicolons, and
text that a spreadsheet would run as a formula defused."""

import csv
import io

from django.utils.translation import gettext as _

from audit_prep.text import strip_unsafe

from .common import (
    as_date,
    column_titles,
    documented_information,
    evidence_label,
    hash_text,
    requirement_name,
    status_word,
)

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """Text without control and invisible formatting characters (`audit_prep.text`); text that
    a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str):
        value = strip_unsafe(value)
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def _evidence_text(evidence: dict) -> str:
    """"EV-000123 v2 — Title (sha256 1a2b3c4d5e6f, valid until 2026-06-30, <link>)"."""
    valid_until = as_date(evidence.get("valid_until"))
    details = [f"sha256 {hash_text(evidence)}"]
    if valid_until:
        details.append(_("valid until %(date)s") % {"date": valid_until.isoformat()})
    details.append(evidence.get("url", ""))
    return f"{evidence_label(evidence)} ({', '.join(d for d in details if d)})"


def write_csv(checklist: dict, stream) -> None:
    """UTF-8 with a byte order mark and semicolons: what a French Excel opens as is."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(text, delimiter=";")
        columns = column_titles()
        writer.writerow([columns[0], columns[1], columns[2], _("Status code"),
                         columns[3], columns[4], columns[5], _("Evidence count"),
                         columns[6], columns[7]])
        for item in checklist["items"]:
            valid_until = as_date(item.get("valid_until"))
            writer.writerow([csv_safe(value) for value in (
                item["ref_id"], requirement_name(item), documented_information(item),
                item["status"],
                status_word(item), item.get("reason_label", ""),
                valid_until.isoformat() if valid_until else "", item.get("evidence_count", 0),
                " | ".join(_evidence_text(evidence) for evidence in item.get("evidence") or []),
                item.get("justification") or "")])
        text.flush()
    finally:
        text.detach()
