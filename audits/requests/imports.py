"""Importing an engagement's evidence requests from a CSV or XLSX file (the auditor's document
request list, typically).

Columns, English or French headers in any order: requirement(s) (references separated by
commas, semicolons or spaces), what is asked, due date, assignee (username or e-mail address of
a member who may answer; optional). The file is read as a stream with the population import's
readers (`populations.member_files`); every problem of every row is reported with its line,
column, stable code and message, and nothing is imported when there is one (the rows are then
created in one transaction by `import_requests`)."""

import csv
import datetime
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from audit_prep.api.errors import ApiError
from audit_prep.text import first_unsafe, unsafe_message
from evidence.filetypes import inspect_table
from populations.member_files import (
    MemberFileError,
    blank,
    cell_text,
    csv_rows,
    header_columns,
    parse_date,
    problem,
    xlsx_rows,
)

from ..models import Engagement
from . import services
from .models import MAX_ASKED, EvidenceRequest

MAX_ROWS = 1000
MAX_BYTES = 2 * 1024 * 1024
MAX_PROBLEMS = 500
COLUMNS = {
    "requirements": {"requirements", "requirement", "exigences", "exigence", "ref", "refs",
                     "reference", "references", "articles", "article", "clause", "clauses"},
    "asked": {"asked", "what is asked", "request", "document", "documents", "demande",
              "document demande", "documents demandes", "objet", "description"},
    "due_date": {"due date", "due", "echeance", "date d'echeance", "date limite", "pour le",
                 "a fournir le", "date"},
    "assignee": {"assignee", "assigned to", "responsable", "attribuee a", "assignee a",
                 "suivi par", "email", "e-mail", "username", "identifiant"},
}
REQUIRED = ("requirements", "asked", "due_date")
SEPARATORS = re.compile(r"[,;|\s]+")


@dataclass(frozen=True)
class RequestRow:
    row: int
    requirements: tuple
    asked: str
    due_date: datetime.date
    assignee: object  # a user, or None


def _columns(header: list) -> dict[str, int]:
    return header_columns(header, COLUMNS, REQUIRED, _(
        "Unknown column \"%(column)s\": the columns are requirements, what is asked, due date "
        "and assignee."))


class _Known:
    """What a row may name, read once: the engagement's requirements by reference and the
    members a request may be given to, by username and e-mail address."""

    def __init__(self, engagement: Engagement):
        self.requirements: dict[str, list] = {}
        for requirement in services.engagement_requirements(engagement):
            self.requirements.setdefault(requirement.ref_id.casefold(), []).append(requirement)
        self.members: dict[str, object] = {}
        for membership in services.assignable(engagement).select_related("user").annotate(
                email_lower=Lower("user__email")):
            user = membership.user
            self.members[user.get_username().casefold()] = user
            if membership.email_lower:
                self.members.setdefault(membership.email_lower, user)


def _requirements(number: int, value, known: _Known, problems: list) -> tuple:
    refs = [ref for ref in SEPARATORS.split(cell_text(value)) if ref]
    if not refs:
        problems.append(problem(number, "requirements", "requirements_required",
                                _("Name at least one requirement.")))
    found = []
    for ref in refs:
        matches = known.requirements.get(ref.casefold(), [])
        if len(matches) != 1:
            problems.append(problem(number, "requirements", "requirement_unknown" if not matches
                                    else "requirement_ambiguous", _(
                "%(ref)s is not a requirement of this audit's referentials.") % {"ref": ref}
                if not matches else _("%(ref)s names a requirement in several of this audit's "
                                      "referentials.") % {"ref": ref}))
        elif matches[0] not in found:
            found.append(matches[0])
    return tuple(found)


def _asked(number: int, value, problems: list) -> str:
    text = cell_text(value)
    unsafe = first_unsafe(text, multiline=True)
    if not text:
        problems.append(problem(number, "asked", "asked_required", _("Say what is asked.")))
    elif len(text) > MAX_ASKED:
        problems.append(problem(number, "asked", "asked_too_long", _(
            "At most %(count)d characters.") % {"count": MAX_ASKED}))
    elif unsafe is not None:
        problems.append(problem(number, "asked", "control_characters",
                                unsafe_message("asked", *unsafe)))
    return text


def _due_date(number: int, value, problems: list):
    day = parse_date(value) if cell_text(value) else None
    if day is None or not datetime.date(2000, 1, 1) <= day <= datetime.date(2100, 12, 31):
        problems.append(problem(number, "due_date", "date_invalid", _(
            "\"%(value)s\" is not a due date: write 2027-01-31 or 31/01/2027.")
            % {"value": cell_text(value)}))
        return None
    return day


def _assignee(number: int, value, known: _Known, problems: list):
    name = cell_text(value).casefold()
    if not name:
        return None
    if name not in known.members:
        problems.append(problem(number, "assignee", "assignee_not_member", _(
            "%(name)s is not a member of the structure who may add evidence.")
            % {"name": cell_text(value)}))
    return known.members.get(name)


def _row(number: int, cells, columns: dict[str, int], known: _Known, problems: list):
    values = {key: cells[index] if index < len(cells) else None
              for key, index in columns.items()}
    before = len(problems)
    row = RequestRow(number, _requirements(number, values["requirements"], known, problems),
                     _asked(number, values["asked"], problems),
                     _due_date(number, values["due_date"], problems),
                     _assignee(number, values.get("assignee"), known, problems))
    return row if len(problems) == before else None


def _read(rows: Iterator[tuple[int, list]], known: _Known) -> list[RequestRow]:
    columns = None
    found: list[RequestRow] = []
    problems: list[dict] = []
    for number, cells in rows:
        if blank(cells):
            continue
        if columns is None:
            columns = _columns(list(cells))
            continue
        if len(found) + 1 > MAX_ROWS:
            problems.append(problem(number, "", "too_many_rows", _(
                "At most %(count)d requests per file.") % {"count": MAX_ROWS}))
            break
        row = _row(number, cells, columns, known, problems)
        if row is not None:
            found.append(row)
        if len(problems) >= MAX_PROBLEMS:
            break
    if columns is None:
        problems.append(problem(1, "", "file_empty", _("The file is empty.")))
    if problems:
        raise MemberFileError(problems)
    return found


def read_requests(handle, is_xlsx: bool, size: int, engagement: Engagement
                  ) -> list[RequestRow]:
    """Every request row of the file; raises MemberFileError with every problem found."""
    if size > MAX_BYTES:
        raise MemberFileError([problem(0, "", "file_too_large", _(
            "The file is larger than %(size)d MB.") % {"size": MAX_BYTES // (1024 * 1024)})])
    rows = xlsx_rows(handle) if is_xlsx else csv_rows(handle)
    try:
        return _read(rows, _Known(engagement))
    except (UnicodeDecodeError, csv.Error, zipfile.BadZipFile, KeyError, OSError) as error:
        raise MemberFileError([problem(0, "", "file_unreadable", _(
            "The file cannot be read: send a CSV (UTF-8 or Windows-1252) or an XLSX file."))]
        ) from error
    finally:
        rows.close()  # type: ignore[attr-defined]


def read_upload(upload, engagement: Engagement) -> list[RequestRow]:
    """The rows of an uploaded file (the API's import and the board's), inspected like any
    upload; raises ApiError (`request_file_invalid`, every problem in `details["rows"]`)."""
    inspection = inspect_table(upload, _("Send a CSV or XLSX file."), "request_file_format")
    upload.seek(0)
    try:
        return read_requests(upload, inspection.extension == "xlsx", upload.size, engagement)
    except MemberFileError as error:
        raise ApiError(_("The file has errors; nothing was imported."),
                       code="request_file_invalid", details={"rows": error.problems}) from error


def import_requests(actor, engagement: Engagement, rows: list[RequestRow]
                    ) -> list[EvidenceRequest]:
    """Create every row's request in one transaction (each through `create_request`, its
    checks and its audit event): all or nothing."""
    with transaction.atomic():
        return [services.create_request(actor, engagement, {
            "requirements": row.requirements, "asked": row.asked, "due_date": row.due_date,
            "assignee": row.assignee}) for row in rows]
