"""Reading a structure's own requirement list from CSV or XLSX (for example an auditor's
document request list). Every row is checked before anything is written."""

import csv
import io
import unicodedata

from django.utils.translation import gettext_lazy as _

from audit_prep.api.errors import ApiError
from audit_prep.text import CODE as UNSAFE_CODE
from audit_prep.text import first_unsafe, unsafe_message
from evidence.filetypes import inspect_table

MAX_ROWS = 2000

HEADERS = {
    "ref_id": {"ref_id", "ref", "reference", "référence", "numero", "numéro", "n°", "id"},
    "name_fr": {"name", "name_fr", "intitule", "intitulé", "exigence", "libelle", "libellé",
                "titre", "title", "requirement"},
    "name_en": {"name_en", "english name", "intitulé anglais"},
    "description": {"description", "commentaire", "detail", "détail", "precisions"},
    "documented_information": {"documented_information", "type", "information documentée",
                               "kind", "nature"},
    "renewal_months": {"renewal_months", "periodicite", "périodicité", "renouvellement",
                       "renouvellement (mois)", "months", "mois"},
    "parent": {"parent", "parent_ref_id", "parent ref", "parent_ref"},
}
KINDS = {
    "": [], "none": [], "aucune": [], "-": [],
    "maintain": ["maintain"], "document": ["maintain"], "document à tenir à jour": ["maintain"],
    "retain": ["retain"], "record": ["retain"], "enregistrement": ["retain"],
    "enregistrement à conserver": ["retain"],
}


class ListError(Exception):
    def __init__(self, problems: list[dict]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def _norm(value) -> str:
    text = "" if value is None else str(value)
    return unicodedata.normalize("NFC", text).strip()


def _table_from_csv(raw: bytes) -> list[list[str]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # French Excel's default
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in row)]


def _table_from_xlsx(fileobj) -> list[list[str]]:
    from openpyxl import load_workbook

    workbook = load_workbook(fileobj, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        return [[_norm(c) for c in row] for row in sheet.iter_rows(values_only=True)
                if any(c not in (None, "") for c in row)]
    finally:
        workbook.close()


def read_upload(upload) -> list[dict]:
    """The rows of an uploaded list (the API's import and the settings page's): the file is
    inspected like any upload, must be CSV or XLSX, and every row is checked; raises ApiError
    (`list_invalid` with every problem of every row in `details["rows"]`)."""
    inspection = inspect_table(upload, _("Send a CSV or XLSX list."), "list_format")
    try:
        return read_rows(upload, inspection.mime_type)
    except ListError as error:
        raise ApiError(_("The list has errors; nothing was imported."), code="list_invalid",
                       details={"rows": error.problems}) from error


def read_rows(fileobj, mime_type: str) -> list[dict]:
    """Rows as dicts with the keys of HEADERS; raises ListError with every problem found."""
    if mime_type.endswith("spreadsheetml.sheet"):
        table = _table_from_xlsx(fileobj)
    else:
        table = _table_from_csv(fileobj.read(5 * 1024 * 1024 + 1))
    if not table:
        raise ListError([{"row": 1, "field": "", "code": "list_empty",
                          "message": str(_("The list is empty."))}])
    columns = _columns([_norm(h).lower() for h in table[0]])
    if len(table) - 1 > MAX_ROWS:
        raise ListError([{"row": MAX_ROWS + 2, "field": "", "code": "too_many_rows",
                          "message": str(_("At most %(count)d rows.") % {"count": MAX_ROWS})}])
    rows, problems, seen = [], [], set[str]()
    for number, cells in enumerate(table[1:], start=2):
        def cell(key, cells=cells):
            index = columns.get(key)
            return _norm(cells[index]) if index is not None and index < len(cells) else ""

        row = {key: cell(key) for key in columns}
        problems += _row_problems(number, row, seen)
        seen.add(row["ref_id"])
        rows.append(row)
    if problems:
        raise ListError(problems)
    return rows


def _columns(header: list[str]) -> dict[str, int]:
    """The position of each known column (the first of its aliases found); raises ListError
    when the reference or the name column is missing."""
    columns: dict[str, int] = {}
    for key, aliases in HEADERS.items():
        for index, name in enumerate(header):
            if name in aliases and key not in columns:
                columns[key] = index
    missing = [key for key in ("ref_id", "name_fr") if key not in columns]
    if missing:
        raise ListError([{"row": 1, "field": key, "code": "column_missing",
                          "message": str(_("Column missing: %(column)s.") % {"column": key})}
                         for key in missing])
    return columns


def _unsafe_problems(number: int, row: dict) -> list[dict]:
    """The row's text cells holding control or invisible formatting characters (the rule of
    every text field, `audit_prep.text`)."""
    problems = []
    for key, value in row.items():
        found = first_unsafe(value, multiline=key == "description")
        if found is not None:
            problems.append({"row": number, "field": key, "code": UNSAFE_CODE,
                             "message": unsafe_message(key, *found)})
    return problems


def _row_problems(number: int, row: dict, seen: set[str]) -> list[dict]:
    """Check one row against the references `seen` before it; converts its type and renewal
    period in place."""
    problems = _unsafe_problems(number, row)
    if not row["ref_id"] or len(row["ref_id"]) > 60:
        problems.append({"row": number, "field": "ref_id", "code": "ref_id_invalid",
                         "message": str(_("A reference of 1 to 60 characters is needed."))})
    elif row["ref_id"] in seen:
        problems.append({"row": number, "field": "ref_id", "code": "ref_id_duplicate",
                         "message": str(_("This reference appears twice."))})
    if not row["name_fr"] or len(row["name_fr"]) > 300:
        problems.append({"row": number, "field": "name_fr", "code": "name_invalid",
                         "message": str(_("A name of 1 to 300 characters is needed."))})
    kind = row.get("documented_information", "").lower()
    if kind not in KINDS:
        problems.append({"row": number, "field": "documented_information",
                         "code": "kind_invalid",
                         "message": str(_("Unknown type: use document or enregistrement."))})
    row["documented_information"] = KINDS.get(kind, [])
    months = row.get("renewal_months", "")
    row["renewal_months"] = None
    if months:
        try:
            value = int(float(months.replace(",", ".")))
            if not 1 <= value <= 600:
                raise ValueError
            row["renewal_months"] = value
        except ValueError:
            problems.append({"row": number, "field": "renewal_months",
                             "code": "renewal_months_range",
                             "message": str(_("The renewal period is between 1 and 600 "
                                              "months."))})
    return problems
