"""Paths in a pack's ZIP: a folder per referential, chapter and requirement, files named with
the clause and the title, sanitised (no separators, controls, invisible characters or leading
dots: nothing climbs out of the folder once extracted) and unique without regard to case."""

import pytest

from audits.packs.paths import UniquePaths, file_name, part


@pytest.mark.parametrize("text,expected", [
    ("7.5 Maîtrise des informations documentées", "7.5 Maîtrise des informations documentées"),
    ("../../etc/passwd", "passwd"),
    ("a/b\\c", "c"),
    ("Rapport\u202e fdp.exe", "Rapport fdp.exe"),
    ("...", "_"),
    ("Titre : « qualité » ?", "Titre _ « qualité » _"),
])
def test_a_part_is_one_safe_name(text, expected):
    assert part(text) == expected


def test_a_long_title_keeps_its_extension():
    name = file_name("9.3.3", "Revue de direction " * 10, "compte-rendu.pdf", several=False)
    assert len(name) <= 80 and name.startswith("9.3.3 Revue de direction") \
        and name.endswith(".pdf")


def test_several_files_of_one_revision_are_told_apart_by_their_name():
    assert file_name("7.2", "Formation", "attestation.pdf", several=True) == \
        "7.2 Formation - attestation.pdf"


def test_paths_are_unique_whatever_the_case():
    paths = UniquePaths(["index.pdf"])
    assert [paths.claim("ISO/7/7.2", name) for name in ("7.2 Plan.pdf", "7.2 plan.PDF",
                                                          "7.2 Plan.pdf", "LISEZMOI")] == [
        "ISO/7/7.2/7.2 Plan.pdf", "ISO/7/7.2/7.2 plan (2).PDF", "ISO/7/7.2/7.2 Plan (3).pdf",
        "ISO/7/7.2/LISEZMOI"]
