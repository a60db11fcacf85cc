import csv
import datetime
import io

import pytest

from populations.models import Member, Population, PopulationKind


def csv_file(rows, name="salaries.csv", delimiter=";", encoding="utf-8") -> io.BytesIO:
    """A CSV file written by the csv module, as a spreadsheet exports it."""
    text = io.StringIO(newline="")
    csv.writer(text, delimiter=delimiter).writerows(rows)
    handle = io.BytesIO(text.getvalue().encode(encoding))
    handle.name = name
    return handle


def xlsx_file(rows, name="salaries.xlsx") -> io.BytesIO:
    """An XLSX workbook written by openpyxl (dates as real spreadsheet dates)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    handle = io.BytesIO()
    workbook.save(handle)
    handle.seek(0)
    handle.name = name
    return handle


@pytest.fixture
def population(org, qm):
    return Population.objects.create(organization=org, kind=PopulationKind.EMPLOYEES_IN_PATHWAY,
                                     created_by=qm)


def add_member(population, reference, initials="AB", entry=datetime.date(2025, 1, 1),
               exit_=None) -> Member:
    return Member.objects.create(population=population, reference=reference,
                                 initials=initials, entry_date=entry, exit_date=exit_)
