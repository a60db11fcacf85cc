"""Importing a population's members from real CSV and XLSX files: every problem of every row
reported with its row, column and code, nothing imported; a good file upserts by reference and
keeps the members it does not list."""

import datetime

import pytest

from audit_prep.models import AuditEvent
from populations.member_files import MAX_ROWS
from populations.models import Member

from .conftest import add_member, csv_file, xlsx_file

HEADER_FR = ["Référence", "Initiales", "Date d'entrée", "Date de sortie"]
HEADER_EN = ["reference", "initials", "entry_date", "exit_date"]
D = datetime.date


def _import(api, population, handle):
    return api.post(f"/api/v1/populations/{population.pk}/import/", {"file": handle},
                    format="multipart")


def _problems(response):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "member_file_invalid"
    return [(p["row"], p["column"], p["code"]) for p in error["details"]["rows"]]


BAD_ROWS = [
    HEADER_FR,
    ["1001", "AB", "2026-01-05", ""],                 # good
    ["1002", "CD", "31/02/2026", ""],                 # not a date
    ["1001", "EF", "2026-02-01", ""],                 # duplicate reference
    ["1003", "GH", "2026-03-01", "2026-02-01"],       # exit before entry
    ["1004", "Jean Dupont", "2026-03-01", ""],        # a name, not initials
    ["", "IJ", "2026-03-01", ""],                     # no reference
    ["1005", "KL", "0202-03-01", ""],                 # outside any sensible range
    ["1006", "MN", "", ""],                           # no entry date
]
EXPECTED = [(3, "entry_date", "date_invalid"), (4, "reference", "reference_duplicate"),
            (5, "exit_date", "exit_before_entry"), (6, "initials", "initials_invalid"),
            (7, "reference", "reference_invalid"), (8, "entry_date", "date_out_of_range"),
            (9, "entry_date", "date_missing")]


@pytest.mark.parametrize("make", [csv_file, xlsx_file], ids=["csv", "xlsx"])
def test_every_bad_row_is_reported_and_nothing_imported(api, population, make):
    add_member(population, "0999", "ZZ")
    before = (list(Member.objects.values()), AuditEvent.objects.count())

    response = _import(api, population, make(BAD_ROWS))

    assert _problems(response) == EXPECTED
    messages = [p["message"] for p in response.json()["error"]["details"]["rows"]]
    assert all(messages) and "1001" in messages[1]  # French, naming the first row's reference
    assert (list(Member.objects.values()), AuditEvent.objects.count()) == before


def test_an_unknown_column_is_refused_before_any_row(api, population):
    rows = [["reference", "initiales", "nom", "date d'entrée", "Date de naissance"],
            ["1001", "AB", "Dupont", "2026-01-05", "1990-01-01"]]

    response = _import(api, population, xlsx_file(rows))

    assert _problems(response) == [(1, "nom", "column_unknown"),
                                   (1, "Date de naissance", "column_unknown")]
    assert not Member.objects.exists()


def test_a_missing_or_repeated_column_is_reported(api, population):
    response = _import(api, population, csv_file([["reference", "reference", "entry date"],
                                                  ["1", "2", "2026-01-01"]]))
    assert _problems(response) == [(1, "reference", "column_repeated"),
                                   (1, "initials", "column_missing")]


def test_values_without_a_header_and_too_many_rows(api, population, settings):
    response = _import(api, population, csv_file([
        HEADER_EN, ["1", "AB", "2026-01-01", "", "Dupont"]]))
    assert _problems(response) == [(2, "", "value_without_column")]

    rows = [HEADER_EN] + [[str(n), "AB", "2026-01-01", ""] for n in range(MAX_ROWS + 1)]
    response = _import(api, population, csv_file(rows))
    assert _problems(response) == [(MAX_ROWS + 2, "", "too_many_rows")]
    assert not Member.objects.exists()


def test_an_empty_or_unreadable_file(api, population):
    assert _problems(_import(api, population, csv_file([[""], []]))) == [
        (1, "", "file_empty")]
    response = _import(api, population, csv_file([["a"]], name="photo.png"))
    assert response.status_code == 400


@pytest.mark.parametrize("make", [csv_file, xlsx_file], ids=["csv", "xlsx"])
def test_a_good_file_upserts_by_reference_and_keeps_the_others(api, population, make):
    add_member(population, "1001", "AB", D(2025, 9, 1))  # changes: exit date given
    add_member(population, "1002", "CD", D(2025, 9, 1))  # same in the file
    add_member(population, "0900", "XY", D(2024, 1, 1))  # not in the file: kept
    rows = [HEADER_FR,
            ["1001", "a.b.", D(2025, 9, 1) if make is xlsx_file else "01/09/2025",
             "2026-02-28"],
            ["1002", "CD", "2025-09-01", ""],
            [1003, "ÉF", "2026-01-05", None if make is xlsx_file else ""]]

    response = _import(api, population, make(rows))

    assert response.status_code == 201, response.content
    assert response.json() == {"added": 1, "updated": 1, "unchanged": 1, "kept": 1}
    members = {m.reference: (m.initials, m.entry_date, m.exit_date)
               for m in Member.objects.all()}
    assert members == {"1001": ("AB", D(2025, 9, 1), D(2026, 2, 28)),
                       "1002": ("CD", D(2025, 9, 1), None),
                       "1003": ("EF", D(2026, 1, 5), None),
                       "0900": ("XY", D(2024, 1, 1), None)}
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.after["added_references"], event.after["updated_references"]
            ) == ("population.import", ["1003"], ["1001"])


def test_a_windows_csv_with_commas_is_read(api, population):
    handle = csv_file([["Référence", "Initiales", "Date d'entrée"], ["7", "ÉL", "02/03/2026"]],
                      delimiter=",", encoding="cp1252")
    response = _import(api, population, handle)
    assert response.status_code == 201, response.content
    assert Member.objects.get().initials == "EL"
