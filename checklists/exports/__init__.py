"""The readiness checklist as files: a spreadsheet, a PDF and a CSV.

Each writer takes the plain dict of `checklists.services.checklist.build` and a binary stream
(a BytesIO, an HttpResponse, a file opened "wb"). Words are translated in the active language
when the file is written; a status always shows as a word, its colour only adds to it.
"""

import re

from django.utils.text import slugify
from django.utils.translation import gettext as _

from .common import GATE_COLOURS, STATUS_COLOURS, as_date
from .csv_file import write_csv
from .master_list import write_master_list_pdf, write_master_list_xlsx
from .pdf import write_pdf
from .spreadsheet import write_xlsx

__all__ = ["EXPORTERS", "GATE_COLOURS", "MASTER_LIST_EXPORTERS", "STATUS_COLOURS", "filename",
           "master_list_filename", "write_csv", "write_master_list_pdf",
           "write_master_list_xlsx", "write_pdf", "write_xlsx"]

# format -> (writer, content type, file extension)
EXPORTERS = {
    "xlsx": (write_xlsx,
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pdf": (write_pdf, "application/pdf", "pdf"),
    "csv": (write_csv, "text/csv; charset=utf-8", "csv"),
}
# The master list of documented information: format -> (writer, content type, extension)
MASTER_LIST_EXPORTERS = {
    "xlsx": (write_master_list_xlsx, EXPORTERS["xlsx"][1], "xlsx"),
    "pdf": (write_master_list_pdf, "application/pdf", "pdf"),
}


def slug(text, default) -> str:
    """ASCII words of a file name; punctuation separates words: "ISO 9001:2015" ->
    "iso-9001-2015", "d’insertion" too."""
    return slugify(re.sub(r"[\W_]+", " ", text or ""))[:40].strip("-") or str(default)


def filename(checklist: dict, fmt: str) -> str:
    """An ASCII file name: etat-de-preparation_<structure>_<referential>_<date>.<ext>."""
    organization, referential = checklist["organization"], checklist["referential"]
    day = as_date(checklist["reference_date"])
    assert day is not None  # a checklist always has its reference date
    parts = [
        slug(_("readiness-checklist"), "readiness-checklist"),
        slug(organization.get("name"), organization["id"]),
        slug(referential.get("ref_id"), referential["id"]),
        day.isoformat(),
    ]
    return "_".join(parts) + "." + EXPORTERS[fmt][2]


def master_list_filename(organization, day, fmt: str) -> str:
    """liste-des-informations-documentees_<structure>_<date>.<ext>, in ASCII."""
    parts = [slug(_("documented-information-master-list"), "documented-information-master-list"),
             slug(organization.name, organization.pk), day.isoformat()]
    return "_".join(parts) + "." + MASTER_LIST_EXPORTERS[fmt][2]
