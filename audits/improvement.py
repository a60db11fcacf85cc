"""The structure's improvement plan (plan de progrès) and its nonconformity log (ISO 9001
10.2), read from the findings of every audit it had, internal or external, with their
corrective actions: they outlive the audits. One read model for the page, the API and the
CSV / XLSX exports (one row per action; a finding without action gets one row)."""

import csv
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from checklists.exports import slug
from checklists.exports.csv_file import csv_safe
from checklists.exports.spreadsheet import cleaned

from .finding_models import CorrectiveAction, Finding, FindingStatus, FindingVersion, Severity

NONCONFORMITIES, IMPROVEMENTS = "nonconformities", "improvements"
LISTS = (NONCONFORMITIES, IMPROVEMENTS)


@dataclass
class Entry:
    """One finding as the log shows it: its latest published version and its actions."""

    finding: Finding
    version: FindingVersion
    actions: list[CorrectiveAction] = field(default_factory=list)

    @property
    def requirements(self) -> str:
        return ", ".join(sorted(r.ref_id for r in self.version.requirements.all()))


def entries(organization_id: int, which: str) -> list[Entry]:
    """The published findings of the structure in one list: nonconformities (any severity) or
    improvement items (grades that feed the plan), newest audit first; a fixed number of
    queries whatever their number."""
    published = (FindingVersion.objects.filter(published_at__isnull=False)
                 .select_related("grade").prefetch_related("requirements")
                 .order_by("-number"))
    findings = (Finding.objects.filter(engagement__organization_id=organization_id)
                .exclude(status=FindingStatus.DRAFT).select_related("engagement")
                .prefetch_related(Prefetch("versions", queryset=published, to_attr="shown"),
                                  Prefetch("actions", queryset=CorrectiveAction.objects
                                           .select_related("owner").order_by("due_date", "id")))
                .order_by("-engagement__start_date", "engagement_id", "number"))
    found = []
    for finding in findings:
        version = finding.shown[0]
        grade = version.grade
        keep = (grade.severity != Severity.NONE if which == NONCONFORMITIES
                else grade.severity == Severity.NONE and grade.improvement)
        if keep:
            found.append(Entry(finding, version, list(finding.actions.all())))
    return found


def _headers() -> list[str]:
    return [_("Audit"), _("Audit date"), _("Finding"), _("Grade"), _("Requirements"),
            _("Statement"), _("Status"), _("Correction"), _("Root cause"),
            _("Corrective-action plan due"), _("Verification due"), _("Action"), _("Owner"),
            _("Due date"), _("Done on"), _("SHA-256")]


def _rows(found: list[Entry]):
    for entry in found:
        finding, version = entry.finding, entry.version
        head = [finding.engagement.get_kind_display(), finding.engagement.start_date,
                f"#{finding.number} v{version.number}", version.grade.label,
                entry.requirements,
                version.text, finding.get_status_display(), finding.correction,
                finding.root_cause, finding.plan_due, finding.verification_due]
        actions: list[CorrectiveAction | None] = list(entry.actions) or [None]
        for action in actions:
            yield [*head, *((action.description, action.owner.get_full_name()
                             or action.owner.get_username(), action.due_date, action.done_on)
                            if action else ("", "", None, None)), version.sha256]


def filename(organization, which: str, fmt: str) -> str:
    title = _("nonconformity-log") if which == NONCONFORMITIES else _("improvement-plan")
    return f"{slug(title, which)}_{slug(organization.name, organization.pk)}.{fmt}"


def write_csv(found: list[Entry], stream) -> None:
    """Semicolons and a byte order mark, for a French spreadsheet; formulas defused."""
    stream.write("\ufeff".encode())
    text = _TextStream(stream)
    writer = csv.writer(text, delimiter=";")
    writer.writerow(_headers())
    for row in _rows(found):
        writer.writerow([csv_safe("" if value is None else
                                   value.isoformat() if hasattr(value, "isoformat") else
                                   str(value)) for value in row])


class _TextStream:
    """csv writes text; the response takes bytes."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> None:
        self.stream.write(text.encode("utf-8"))


def write_xlsx(found: list[Entry], stream) -> None:
    """One sheet, row by row (write-only mode), text never run as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Log")[:31])
    sheet.append([WriteOnlyCell(sheet, value=header) for header in _headers()])
    for row in _rows(found):
        cells = []
        for value in row:
            value = cleaned(value)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    sheet.append([])
    note = WriteOnlyCell(sheet, value=_("Every finding published, whatever the audit it came "
                                        "from."))
    note.font = Font(italic=True)
    sheet.append([note])
    workbook.save(stream)


EXPORTERS = {
    "csv": (write_csv, "text/csv; charset=utf-8"),
    "xlsx": (write_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
