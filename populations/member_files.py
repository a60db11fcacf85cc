"""Reading a population's members from a CSV or XLSX file, row by row.

Columns: reference, initials, entry date, exit date (English or French headers, in any order;
the exit date column may be left out). Any other column is refused: a member is known by a
reference and initials only, so a "nom" or "date de naissance" column is a mistake to correct
before anything is imported.

The file is read as a stream (`csv.reader` over a text wrapper of the uploaded file, openpyxl in
read-only mode): only the parsed rows are kept, a few fields each, at most `MAX_ROWS`. Every
problem of every row is collected (row number as the spreadsheet shows it, column, stable code,
message) and raised at once in `MemberFileError`; nothing is returned when there is one.
"""

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from audit_prep.api.errors import ApiError
from evidence.filetypes import inspect_table

from .models import EARLIEST_DATE, INITIALS_PATTERN, LATEST_DATE, REFERENCE_PATTERN

MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024
MAX_PROBLEMS = 500  # past this many, the rest of the file is not reported

COLUMNS = {
    "reference": {"reference", "ref", "numero", "n°", "no", "matricule", "internal reference",
                  "reference interne", "numero interne", "id"},
    "initials": {"initials", "initiales"},
    "entry_date": {"entry date", "entry", "date d'entree", "entree", "date entree",
                   "date de debut", "debut"},
    "exit_date": {"exit date", "exit", "date de sortie", "sortie", "date sortie",
                  "date de fin", "fin"},
}
REQUIRED = ("reference", "initials", "entry_date")


@dataclass(frozen=True)
class MemberRow:
    row: int
    reference: str
    initials: str
    entry_date: datetime.date
    exit_date: datetime.date | None


class MemberFileError(Exception):
    def __init__(self, problems: list[dict]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def problem(row: int, column: str, code: str, message) -> dict:
    return {"row": row, "column": column, "code": code, "message": str(message)}


def plain(value: str) -> str:
    """Lower case, without accents, underscores as spaces: how headers are compared."""
    text = unicodedata.normalize("NFKD", value.strip().lower().replace("_", " "))
    return "".join(char for char in text if not unicodedata.combining(char))


def normalize_initials(value: str) -> str:
    """"a.-b" → "AB": letters only, upper case, accents dropped."""
    text = unicodedata.normalize("NFKD", value.upper())
    return "".join(char for char in text if "A" <= char <= "Z")


def parse_date(value) -> datetime.date | None:
    """A date from a cell: a spreadsheet date, ISO "2026-01-31" or French "31/01/2026"."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            return None
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a reference typed as a number in a spreadsheet
    return unicodedata.normalize("NFC", str(value)).strip()


# --- the two formats, as (row number, cells) -----------------------------------------------

def csv_rows(handle) -> Iterator[tuple[int, list]]:
    head = handle.read(4096)
    handle.seek(0)
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the end of the sample
            encoding = "cp1252"  # French Excel's default
    text = io.TextIOWrapper(handle, encoding=encoding, errors="strict", newline="")
    try:
        sample = head.decode(encoding, errors="ignore")
        first_line = sample.splitlines()[0] if sample else ""
        delimiter = max(";,\t", key=first_line.count)
        reader = csv.reader(text, delimiter=delimiter)
        yield from enumerate(reader, start=1)
    finally:
        text.detach()


def xlsx_rows(handle) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook

    workbook = load_workbook(handle, read_only=True, data_only=True)
    try:
        yield from enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1)
    finally:
        workbook.close()


def blank(cells) -> bool:
    return all(cell_text(cell) == "" for cell in cells)


# --- checks ---------------------------------------------------------------------------------

def header_columns(header: list, aliases_of: dict[str, set[str]], required, unknown) -> dict:
    """The position of each column of a header row (headers compared with `plain`); every
    unknown (`unknown`: its message, with %(column)s), repeated or missing one is reported."""
    columns: dict[str, int] = {}
    problems = []
    for index, cell in enumerate(header):
        name = cell_text(cell)
        if not name:
            continue
        key = next((key for key, aliases in aliases_of.items() if plain(name) in aliases), None)
        if key is None:
            problems.append(problem(1, name, "column_unknown", unknown % {"column": name}))
        elif key in columns:
            problems.append(problem(1, name, "column_repeated", _(
                "The column \"%(column)s\" appears twice.") % {"column": name}))
        else:
            columns[key] = index
    problems += [problem(1, key, "column_missing", _("Column missing: %(column)s.")
                         % {"column": key}) for key in required if key not in columns]
    if problems:
        raise MemberFileError(problems)
    return columns


def _columns(header: list) -> dict[str, int]:
    return header_columns(header, COLUMNS, REQUIRED, _(
        "Unknown column \"%(column)s\": only reference, initials, entry date and exit date are "
        "kept (no names)."))


def _date(number: int, column: str, value, required: bool, problems: list):
    if cell_text(value) == "":
        if required:
            problems.append(problem(number, column, "date_missing", _("A date is needed.")))
        return None
    day = parse_date(value)
    if day is None:
        problems.append(problem(number, column, "date_invalid", _(
            "\"%(value)s\" is not a date: write 2026-01-31 or 31/01/2026.")
            % {"value": cell_text(value)}))
    elif not EARLIEST_DATE <= day <= LATEST_DATE:
        problems.append(problem(number, column, "date_out_of_range", _(
            "The date must be between %(start)s and %(end)s.")
            % {"start": EARLIEST_DATE.isoformat(), "end": LATEST_DATE.isoformat()}))
        day = None
    return day


def check_values(number: int, values: dict, seen: dict[str, int], problems: list):
    """Check one row's values (`reference`, `initials`, `entry_date`, `exit_date` as read);
    `seen` maps the references of the rows before it to their row. Returns a MemberRow, or
    None after appending the row's problems."""
    before = len(problems)
    reference = cell_text(values.get("reference"))
    if not re.match(REFERENCE_PATTERN, reference):
        problems.append(problem(number, "reference", "reference_invalid", _(
            "A reference of 1 to 30 letters, digits, dots, dashes or slashes is needed.")))
    elif reference in seen:
        problems.append(problem(number, "reference", "reference_duplicate", _(
            "The reference %(reference)s is already on row %(row)d.")
            % {"reference": reference, "row": seen[reference]}))
    else:
        seen[reference] = number
    initials = normalize_initials(cell_text(values.get("initials")))
    if not re.match(INITIALS_PATTERN, initials):
        problems.append(problem(number, "initials", "initials_invalid", _(
            "Initials are 1 to 4 letters (no names).")))
    entry = _date(number, "entry_date", values.get("entry_date"), True, problems)
    exit_ = _date(number, "exit_date", values.get("exit_date"), False, problems)
    if entry is not None and exit_ is not None and exit_ < entry:
        problems.append(problem(number, "exit_date", "exit_before_entry", _(
            "The exit date cannot precede the entry date.")))
    if len(problems) > before:
        return None
    return MemberRow(number, reference, initials, entry, exit_)


def _row_values(number: int, cells, columns: dict[str, int], problems: list) -> dict:
    values = {key: cells[index] if index < len(cells) else None
              for key, index in columns.items()}
    used = set(columns.values())
    if any(cell_text(cell) for index, cell in enumerate(cells) if index not in used):
        problems.append(problem(number, "", "value_without_column", _(
            "A value is written in a column without a header.")))
    return values


def read_upload(upload) -> list[MemberRow]:
    """The members of an uploaded file (the API's import and the population page's): the file
    is inspected like any upload, must be CSV or XLSX, and every row is checked; raises
    ApiError (`member_file_invalid` with every problem of every row in `details["rows"]`)."""
    inspection = inspect_table(upload, _("Send a CSV or XLSX file."), "member_file_format")
    upload.seek(0)
    try:
        return read_members(upload, inspection.extension == "xlsx", upload.size)
    except MemberFileError as error:
        raise ApiError(_("The file has errors; nothing was imported."),
                       code="member_file_invalid", details={"rows": error.problems}) from error


def read_members(handle, is_xlsx: bool, size: int) -> list[MemberRow]:
    """Every member row of the file; raises MemberFileError with every problem found."""
    if size > MAX_BYTES:
        raise MemberFileError([problem(0, "", "file_too_large", _(
            "The file is larger than %(size)d MB.") % {"size": MAX_BYTES // (1024 * 1024)})])
    rows = xlsx_rows(handle) if is_xlsx else csv_rows(handle)
    try:
        return _read(rows)
    except (UnicodeDecodeError, csv.Error, zipfile.BadZipFile, KeyError, OSError) as error:
        raise MemberFileError([problem(0, "", "file_unreadable", _(
            "The file cannot be read: send a CSV (UTF-8 or Windows-1252) or an XLSX file."))]
        ) from error
    finally:
        rows.close()  # type: ignore[attr-defined]


def _read(rows: Iterator[tuple[int, list]]) -> list[MemberRow]:
    columns = None
    members: list[MemberRow] = []
    problems: list[dict] = []
    seen: dict[str, int] = {}
    count = 0
    for number, cells in rows:
        if blank(cells):
            continue
        if columns is None:
            columns = _columns(list(cells))
            continue
        count += 1
        if count > MAX_ROWS:
            problems.append(problem(number, "", "too_many_rows", _(
                "At most %(count)d members per file.") % {"count": MAX_ROWS}))
            break
        member = check_values(number, _row_values(number, cells, columns, problems), seen,
                              problems)
        if member is not None:
            members.append(member)
        if len(problems) >= MAX_PROBLEMS:
            break
    if columns is None:
        problems.append(problem(1, "", "file_empty", _("The file is empty.")))
    if problems:
        raise MemberFileError(problems)
    return members
