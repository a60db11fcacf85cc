"""How the backup and restore commands print what they found."""

from django.utils.translation import gettext_lazy as _

from .errors import Problem

SHOWN = 50  # problems printed one by one; the rest are counted


def print_problems(stream, problems: list[Problem]) -> None:
    for problem in problems[:SHOWN]:
        stream.write(str(problem))
    if len(problems) > SHOWN:
        stream.write(f"... (+{len(problems) - SHOWN})")


LABELS = {"tables": _("tables"), "audit_events": _("audit trail events"),
          "checklists": _("checklists"), "objects": _("objects"), "bytes": _("bytes")}


def checked_summary(checked: dict) -> str:
    return ", ".join(f"{value} {LABELS[name]}" for name, value in checked.items())
