"""Referential library files: validation, content of the shipped ISO 9001 library, and the
import (upsert by URN, idempotent, retirement instead of deletion, nothing on a bad file)."""

import io
import re
import time
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

import checklists
from checklists.library import LibraryError, load_library, parse_library
from checklists.library.schema import POPULATION_KINDS
from checklists.models import EvidenceLink, Referential, Requirement
from checklists.services.importer import import_library
from populations.models import PopulationKind
from tests.factories import EvidenceFactory

LIBRARIES = Path(checklists.__file__).resolve().parent / "libraries"
SHIPPED = sorted(LIBRARIES.glob("*.yaml"))
ISO_FILE = LIBRARIES / "iso9001-2015.yaml"
ISO_URN = "urn:audit-prep:iso9001:2015"
REFERENCE = Path(__file__).resolve().parents[3] / "shared/reference/iso9001_2015_outline.yaml"

# ISO 9001:2015 requirement clauses 4 to 10.3 (as in the reference outline, which is compared
# below when present), and the clauses requiring documented information (Annex A.6 / N1286).
ISO_CLAUSES = [
    "4", "4.1", "4.2", "4.3", "4.4", "4.4.1", "4.4.2", "5", "5.1", "5.1.1", "5.1.2", "5.2",
    "5.2.1", "5.2.2", "5.3", "6", "6.1", "6.1.1", "6.1.2", "6.2", "6.2.1", "6.2.2", "6.3", "7",
    "7.1", "7.1.1", "7.1.2", "7.1.3", "7.1.4", "7.1.5", "7.1.5.1", "7.1.5.2", "7.1.6", "7.2",
    "7.3", "7.4", "7.5", "7.5.1", "7.5.2", "7.5.3", "7.5.3.1", "7.5.3.2", "8", "8.1", "8.2",
    "8.2.1", "8.2.2", "8.2.3", "8.2.3.1", "8.2.3.2", "8.2.4", "8.3", "8.3.1", "8.3.2", "8.3.3",
    "8.3.4", "8.3.5", "8.3.6", "8.4", "8.4.1", "8.4.2", "8.4.3", "8.5", "8.5.1", "8.5.2", "8.5.3",
    "8.5.4", "8.5.5", "8.5.6", "8.6", "8.7", "8.7.1", "8.7.2", "9", "9.1", "9.1.1", "9.1.2",
    "9.1.3", "9.2", "9.2.1", "9.2.2", "9.3", "9.3.1", "9.3.2", "9.3.3", "10", "10.1", "10.2",
    "10.2.1", "10.2.2", "10.3",
]
ISO_DESCRIPTIVE_NODES = ["4.1-climat"]  # Amd 1:2024 climate determination, followed apart
# What certification practice accepts as not applicable (the file's notes and sources).
ISO_EXCLUDABLE = {"7.1.5.2", "8.3", "8.3.1", "8.3.2", "8.3.3", "8.3.4", "8.3.5", "8.3.6",
                  "8.5.3"}
ISO_MAINTAIN = {"4.3", "4.4.2", "5.2.2", "6.2.1", "7.5.1", "8.1", "8.2.4", "8.5.1"}
ISO_RETAIN = {
    "4.4.2", "7.1.5.1", "7.1.5.2", "7.2", "7.5.3.2", "8.1", "8.2.3.2", "8.3.2", "8.3.3", "8.3.4",
    "8.3.5", "8.3.6", "8.4.1", "8.5.2", "8.5.3", "8.5.6", "8.6", "8.7.2", "9.1.1", "9.2.2",
    "9.3.3", "10.2.2",
}

# A small library written here so that the malformed variants below stand alone.
U = "urn:audit-prep:test-lib:1"
GOOD = f"""\
library:
  urn: {U}
  code: test-lib
  version: "1"
  revision: 1
  ref_id: "Test 1"
  name: {{fr: "Bibliothèque de test", en: "Test library"}}
  description: {{fr: "Pour les tests.", en: "For tests."}}
  kind: standard
  is_template: false
  publisher: "Tests"
  sources:
    - {{title: "Nowhere", url: null}}
nodes:
  - urn: {U}:A
    parent_urn: null
    ref_id: "A"
    name: {{fr: "Chapitre A", en: "Chapter A"}}
    name_is_descriptive: false
    description: {{fr: "Le chapitre A.", en: "Chapter A."}}
    typical_evidence: {{fr: [], en: []}}
    documented_information: []
    conditional: false
    renewal: null
    assessable: false
  - urn: {U}:A.1
    parent_urn: {U}:A
    ref_id: "A.1"
    name: {{fr: "Politique", en: "Policy"}}
    name_is_descriptive: false
    description: {{fr: "Écrire la politique.", en: "Write the policy."}}
    typical_evidence: {{fr: ["Politique signée"], en: ["Signed policy"]}}
    documented_information: [maintain]
    conditional: false
    renewal: {{months: 12, basis: practice}}
    assessable: true
  - urn: {U}:A.2
    parent_urn: {U}:A
    ref_id: "A.2"
    name: {{fr: "Enregistrements", en: "Records"}}
    name_is_descriptive: true
    description: {{fr: "Garder les traces.", en: "Keep records."}}
    typical_evidence: {{fr: ["Registre", "Rapport"], en: ["Register", "Report"]}}
    documented_information: [maintain, retain]
    conditional: true
    renewal: {{months: null, basis: event}}
    assessable: true
  - urn: {U}:B
    parent_urn: null
    ref_id: "B"
    name: {{fr: "Chapitre B", en: "Chapter B"}}
    name_is_descriptive: false
    description: {{fr: "Le chapitre B.", en: "Chapter B."}}
    typical_evidence: {{fr: ["Preuve"], en: ["Evidence"]}}
    documented_information: [retain]
    conditional: false
    renewal: {{months: 24, basis: french_law}}
    assessable: true
"""


def line_of(text, fragment, occurrence=1):
    """1-based line of the n-th line containing ``fragment``."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    return hits[occurrence - 1]


def mutate(text, old, new, count=1):
    assert old in text, old
    return text.replace(old, new, count)


def write(tmp_path, text, name="library.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def write_sql(queries):
    return [q["sql"] for q in queries.captured_queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def counts():
    return Referential.objects.count(), Requirement.objects.count(), EvidenceLink.objects.count()


# ------------------------------------------------------------------------------ parsing


def test_small_library_parses_with_depth_and_order():
    library = parse_library(GOOD)
    assert library.urn == U and library.version == "1" and library.kind == "standard"
    assert [(n.ref_id, n.order, n.depth) for n in library.nodes] == [
        ("A", 1, 0), ("A.1", 2, 1), ("A.2", 3, 1), ("B", 4, 0)]
    a2 = library.node(f"{U}:A.2")
    assert a2.documented_information == ["maintain", "retain"]
    assert (a2.renewal_months, a2.renewal_basis) == (None, "event")
    assert a2.name == {"fr": "Enregistrements", "en": "Records"} and a2.name_is_descriptive
    assert a2.line == line_of(GOOD, f"urn: {U}:A.2")
    assert library.node(f"{U}:A").renewal_basis is None


def test_children_may_come_before_their_parent():
    """Order is parent-first whatever the file order."""
    nodes_at = GOOD.index("  - urn:")
    blocks = re.split(r"(?m)^(?=  - urn:)", GOOD[nodes_at:])
    text = GOOD[:nodes_at] + "".join(reversed(blocks))  # B, A.2, A.1, A
    library = parse_library(text)
    assert [(n.ref_id, n.depth) for n in library.nodes] == [
        ("B", 0), ("A", 0), ("A.2", 1), ("A.1", 1)]


# (label, old, new, expected message fragment, urn of the problem, fragment of the cited line)
MALFORMED = [
    ("yaml syntax error", 'name: {fr: "Chapitre B", en: "Chapter B"}',
     'name: {fr: "Chapitre B", en: "Chapter B"', "YAML syntax error", None,
     'name: {fr: "Chapitre B"'),
    ("duplicate urn", f"- urn: {U}:A.2", f"- urn: {U}:A.1", "duplicate URN", f"{U}:A.1",
     ('ref_id: "A.2"', -2)),
    ("unknown parent", f"parent_urn: {U}:A\n    ref_id: \"A.2\"",
     f"parent_urn: {U}:Z\n    ref_id: \"A.2\"", f"unknown parent {U}:Z", f"{U}:A.2",
     f"- urn: {U}:A.2"),
    ("cycle, parent after child", f"- urn: {U}:A\n    parent_urn: null",
     f"- urn: {U}:A\n    parent_urn: {U}:A.2", "parent cycle", f"{U}:A", f"- urn: {U}:A\n"),
    ("self parent", f"- urn: {U}:B\n    parent_urn: null", f"- urn: {U}:B\n    parent_urn: {U}:B",
     "parent cycle", f"{U}:B", f"- urn: {U}:B"),
    ("missing French title", 'name: {fr: "Politique", en: "Policy"}', 'name: {en: "Policy"}',
     "French name", f"{U}:A.1", 'name: {en: "Policy"}'),
    ("empty French title", 'name: {fr: "Politique", en: "Policy"}',
     'name: {fr: "  ", en: "Policy"}', "French name", f"{U}:A.1", 'name: {fr: "  "'),
    ("missing English title", 'name: {fr: "Politique", en: "Policy"}',
     'name: {fr: "Politique"}', "English name", f"{U}:A.1", 'name: {fr: "Politique"}'),
    ("empty English title", 'en: "Records"}', 'en: ""}', "English name", f"{U}:A.2",
     'en: ""}'),
    ("bad library kind", "kind: standard", "kind: law", "library.kind 'law' is not allowed", U,
     "kind: law"),
    ("bad documented information", "documented_information: [retain]",
     "documented_information: [record]", "'record' is not allowed", f"{U}:B", "[record]"),
    ("bad renewal basis", "basis: french_law", "basis: yearly", "renewal basis 'yearly'",
     f"{U}:B", "basis: yearly"),
    ("renewal months zero", "months: 24", "months: 0", "renewal months", f"{U}:B",
     "months: 0"),
    ("renewal months text", "months: 24", 'months: "24"', "renewal months", f"{U}:B",
     'months: "24"'),
    ("event with months", "months: null, basis: event", "months: 6, basis: event",
     "basis is 'event'", f"{U}:A.2", "months: 6"),
    ("evidence lists differ", 'en: ["Register", "Report"]', 'en: ["Register"]',
     "differ in length", f"{U}:A.2", 'en: ["Register"]}'),
    ("duplicate ref_id", 'ref_id: "A.2"', 'ref_id: "A.1"', "duplicate ref_id 'A.1'", f"{U}:A.2",
     f"- urn: {U}:A.2"),
    ("urn outside the library", f"- urn: {U}:B", "- urn: urn:audit-prep:other:1:B",
     "must start with the library URN", "urn:audit-prep:other:1:B",
     "- urn: urn:audit-prep:other:1:B"),
    ("missing required key", "    assessable: false\n", "", "missing required key 'assessable'",
     f"{U}:A", f"- urn: {U}:A\n"),
    ("wrong type", "conditional: true", "conditional: maybe", "conditional must be true or false",
     f"{U}:A.2", "conditional: maybe"),
    ("unquoted ref_id", 'ref_id: "B"', "ref_id: 7", "ref_id must be a string (quote it)",
     f"{U}:B", "ref_id: 7"),
    ("unknown population", "renewal: {months: 24, basis: french_law}\n    assessable: true",
     "renewal: {months: 24, basis: french_law}\n    assessable: true\n    per_member: pets",
     "per_member 'pets' is not allowed", f"{U}:B", "per_member: pets"),
    ("per member on a heading", "    assessable: false\n",
     "    assessable: false\n    per_member: sites\n", "per_member needs an assessable node",
     f"{U}:A", "per_member: sites"),
    ("duplicate key", "    conditional: true\n",
     "    conditional: true\n    conditional: false  # again\n",
     "duplicate key 'conditional'", f"{U}:A.2", "# again"),
]


def expected_line(text, where):
    if isinstance(where, tuple):  # (fragment, offset): the node line before the fragment
        fragment, offset = where
        return line_of(text, fragment) + offset
    return line_of(text, where.rstrip("\n").splitlines()[0])


@pytest.mark.parametrize(("old", "new", "message", "urn", "where"),
                         [case[1:] for case in MALFORMED], ids=[case[0] for case in MALFORMED])
def test_malformed_library_is_rejected_citing_urn_and_line(tmp_path, old, new, message, urn,
                                                           where):
    text = mutate(GOOD, old, new)
    with pytest.raises(LibraryError) as caught:
        load_library(write(tmp_path, text))
    problems = caught.value.problems
    matching = [p for p in problems if message in p.message]
    assert matching, [str(p) for p in problems]
    problem = matching[0]
    assert problem.urn == urn
    if urn is None:  # a syntax error: cited by line and column near the faulty line
        assert abs(problem.line - expected_line(text, where)) <= 1 and problem.column
    else:
        assert problem.line == expected_line(text, where)
    assert str(tmp_path / "library.yaml") in str(caught.value)
    assert (f"line {problem.line}" in str(caught.value))


def test_every_problem_is_reported_at_once():
    text = GOOD
    for old, new in [("kind: standard", "kind: law"), ('name: {fr: "Politique", en: "Policy"}',
                     'name: {en: "Policy"}'), ("basis: french_law", "basis: yearly"),
                     (f"- urn: {U}:A.2", f"- urn: {U}:A.1")]:
        text = mutate(text, old, new)
    with pytest.raises(LibraryError) as caught:
        parse_library(text)
    messages = " | ".join(p.message for p in caught.value.problems)
    for fragment in ("library.kind", "French name", "renewal basis", "duplicate URN"):
        assert fragment in messages
    assert [p.line for p in caught.value.problems] == sorted(p.line for p in caught.value.problems)


def test_not_a_library_file():
    for text in ("", "- a\n- b\n", "library: {}\n"):
        with pytest.raises(LibraryError):
            parse_library(text)


def test_yaml_tags_are_not_constructed():
    """Safe loading: no Python object can be built from the file."""
    text = mutate(GOOD, 'publisher: "Tests"', "publisher: !!python/object/apply:os.getcwd []")
    with pytest.raises(LibraryError) as caught:
        parse_library(text)
    assert caught.value.problems[0].line == line_of(text, "publisher:")


# ------------------------------------------------------------------------------ shipped files


@pytest.mark.django_db
@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_library_loads_and_imports(path):
    library = load_library(path)
    assert library.nodes
    report = import_library(library)
    assert report.created and report.added == [n.urn for n in library.nodes]
    assert not (report.changed or report.removed or report.unchanged)
    rows = {r.urn: r for r in Requirement.objects.filter(referential=report.referential)
            .select_related("parent")}
    assert len(rows) == len(library.nodes)
    for node in library.nodes:
        row = rows[node.urn]
        assert (row.parent.urn if row.parent else None) == node.parent_urn
        assert (row.ref_id, row.name_fr, row.name_en, row.depth, row.order) == (
            node.ref_id, node.name["fr"], node.name["en"], node.depth, node.order)
        assert row.retired_at is None


def test_shipped_files_are_listed():
    assert {p.name for p in SHIPPED} >= {
        "iso9001-2015.yaml", "cedre-iso9001-template.yaml", "cap-coorace.yaml",
        "ess-good-practice-guide.yaml", "iso26000-lucie.yaml", "fr-siae-regulatory.yaml",
        "cap-iso9001.yaml", "cap-rse.yaml"}


@pytest.mark.parametrize("name", ["cap-iso9001.yaml", "cap-rse.yaml"])
def test_coorace_schemes_are_cited_templates(name):
    """CAP ISO 9001 and CAP RSE: templates from public sources, every source with its address,
    every node's name our own label, what is unconfirmed said in the notes."""
    library = load_library(LIBRARIES / name)
    assert library.kind == "template" and library.is_template
    assert library.sources and all(s["url"].startswith("http") for s in library.sources)
    assert all(node.name_is_descriptive for node in library.nodes)
    for language in ("fr", "en"):
        assert "confirm" in library.notes[language].lower()


def test_cap_iso9001_does_not_repeat_the_standard():
    library = load_library(LIBRARIES / "cap-iso9001.yaml")
    iso_ref_ids = {node.ref_id for node in load_library(ISO_FILE).nodes}
    assert not {node.ref_id for node in library.nodes} & iso_ref_ids
    assert "ISO 9001:2015" in library.notes["en"]


def test_cap_rse_represents_its_maturity_levels_without_inventing_them():
    library = load_library(LIBRARIES / "cap-rse.yaml")
    assert library.version == "2025"
    nodes = {node.ref_id: node for node in library.nodes}
    assert "maturity level" in nodes["LAB"].name["en"]
    assert "maturity levels" in library.notes["en"] and "Not confirmed" in library.notes["en"]
    # each theme leaves its levels' criteria to the structure's own copy
    for ref_id in ("MET", "SUP", "PIL", "GOV", "TER", "AMC"):
        assert "maturity levels to be completed" in nodes[ref_id].description["en"]


def _documented(library, kind):
    return {n.ref_id for n in library.nodes if kind in n.documented_information}


def test_iso9001_library_covers_clauses_4_to_10_3():
    library = load_library(ISO_FILE)
    assert library.urn == ISO_URN
    nodes = {n.ref_id: n for n in library.nodes}
    assert set(nodes) == set(ISO_CLAUSES) | set(ISO_DESCRIPTIVE_NODES)
    assert len(library.nodes) == 92
    climate = nodes["4.1-climat"]
    assert climate.name_is_descriptive and climate.parent_urn == f"{ISO_URN}:4"
    assert {n.ref_id for n in library.nodes if n.excludable} == ISO_EXCLUDABLE
    # never chapters 4, 5, 6, 9, 10
    assert not any(n.excludable for n in library.nodes if n.ref_id.split(".")[0] in
                   ("4", "5", "6", "9", "10"))
    for number in ISO_CLAUSES:
        node = nodes[number]
        assert node.urn == f"{ISO_URN}:{number}"
        assert node.name["fr"].strip() and node.name["en"].strip(), number
        parent = number.rpartition(".")[0] or None
        assert node.parent_urn == (f"{ISO_URN}:{parent}" if parent else None)
        assert node.assessable == (parent is not None)  # chapters 4 to 10 group only
    assert _documented(library, "maintain") == ISO_MAINTAIN
    assert _documented(library, "retain") == ISO_RETAIN


@pytest.mark.skipif(not REFERENCE.exists(), reason=f"reference outline not at {REFERENCE}")
def test_iso9001_library_matches_reference_outline():
    reference = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))["clauses"]
    library = load_library(ISO_FILE)
    nodes = {n.ref_id: n for n in library.nodes}
    assert [c["number"] for c in reference] == ISO_CLAUSES
    for clause in reference:
        node = nodes[clause["number"]]
        assert node.name["fr"].strip() and node.name["en"].strip()
        assert node.parent_urn == (f"{ISO_URN}:{clause['parent']}" if clause["parent"] else None)
        assert node.name_is_descriptive == bool(clause.get("untitled")), clause["number"]
    for kind, expected in (("maintain", ISO_MAINTAIN), ("retain", ISO_RETAIN)):
        in_reference = {c["number"] for c in reference
                        if any(d["kind"] == kind for d in c["documented_information"])}
        assert in_reference == expected
        assert _documented(library, kind) == in_reference


# ------------------------------------------------------------------------------ import


@pytest.mark.django_db
def test_reimport_changes_nothing_and_writes_nothing():
    start = time.perf_counter()
    first = import_library(load_library(ISO_FILE))
    assert time.perf_counter() - start < 2.0  # target; bench/import_referential.py measures
    assert first.created and len(first.added) == 92
    stamp = Referential.objects.get(urn=ISO_URN).updated_at
    with CaptureQueriesContext(connection) as queries:
        second = import_library(load_library(ISO_FILE))
    assert write_sql(queries) == []
    assert not second.created and not second.has_changes
    assert (second.added, second.changed, second.removed, second.unchanged) == ([], [], [], 92)
    assert second.summary() == f"{ISO_URN}: no change"
    assert Referential.objects.get(urn=ISO_URN).updated_at == stamp

    out = io.StringIO()
    with CaptureQueriesContext(connection) as queries:
        call_command("import_referential", str(ISO_FILE), stdout=out)
    assert write_sql(queries) == []
    assert out.getvalue().strip() == f"{ISO_URN}: no change"


@pytest.mark.django_db
def test_changed_title_is_reported_and_updated_alone(tmp_path):
    import_library(parse_library(GOOD))
    text = mutate(GOOD, 'en: "Policy"}', 'en: "Quality policy"}')
    with CaptureQueriesContext(connection) as queries:
        report = import_library(load_library(write(tmp_path, text)))
    assert report.changed == [f"{U}:A.1"]
    assert (report.added, report.removed, report.unchanged) == ([], [], 3)
    assert Requirement.objects.get(urn=f"{U}:A.1").name_en == "Quality policy"
    writes = write_sql(queries)
    assert len(writes) == 1 and writes[0].startswith("UPDATE") and "requirement" in writes[0]
    assert report.summary() == f"{U}: 0 added, 1 changed, 0 removed, 3 unchanged"


@pytest.mark.django_db
def test_library_metadata_change_is_written(tmp_path):
    import_library(parse_library(GOOD))
    report = import_library(parse_library(mutate(GOOD, "revision: 1", "revision: 2")))
    assert report.referential_changed == ["revision"] and report.has_changes
    assert Referential.objects.get(urn=U).revision == 2
    assert "library fields updated: revision" in report.summary()


@pytest.mark.django_db
def test_removed_node_is_retired_and_its_links_untouched(org, qm):
    import_library(parse_library(GOOD))
    removed = Requirement.objects.get(urn=f"{U}:A.2")
    link = EvidenceLink.objects.create(
        evidence=EvidenceFactory(organization=org, created_by=qm), requirement=removed,
        created_by=qm, note="PV de revue")
    nodes_at = GOOD.index(f"  - urn: {U}:A.2")
    without = GOOD[:nodes_at] + GOOD[GOOD.index(f"  - urn: {U}:B"):]

    with CaptureQueriesContext(connection) as queries:
        report = import_library(parse_library(without))
    assert report.removed == [f"{U}:A.2"]
    assert (report.added, report.changed, report.unchanged) == ([], [], 3)
    assert report.reordered == [f"{U}:B"]  # B moved up one place
    assert not any("evidencelink" in sql.lower() for sql in write_sql(queries))
    removed.refresh_from_db()
    assert removed.retired_at is not None
    assert removed.name_en == "Records" and removed.parent.urn == f"{U}:A"
    after = EvidenceLink.objects.get(pk=link.pk)
    assert (after.requirement_id, after.evidence_id, after.note, after.created_at) == (
        link.requirement_id, link.evidence_id, link.note, link.created_at)

    # Importing the same file again: still retired, nothing written.
    with CaptureQueriesContext(connection) as queries:
        again = import_library(parse_library(without))
    assert not again.has_changes and write_sql(queries) == []

    # The node comes back: brought back from retirement, with its link.
    back = import_library(parse_library(GOOD))
    assert back.added == [f"{U}:A.2"] and not back.removed
    removed.refresh_from_db()
    assert removed.retired_at is None
    assert EvidenceLink.objects.filter(requirement=removed).count() == 1


@pytest.mark.django_db
def test_moved_node_gets_its_new_parent():
    import_library(parse_library(GOOD))
    moved = mutate(GOOD, f"parent_urn: {U}:A\n    ref_id: \"A.2\"",
                   f"parent_urn: {U}:B\n    ref_id: \"A.2\"")
    report = import_library(parse_library(moved))
    assert f"{U}:A.2" in report.changed
    row = Requirement.objects.get(urn=f"{U}:A.2")
    assert (row.parent.urn, row.depth) == (f"{U}:B", 1)


@pytest.mark.django_db
def test_new_node_under_an_existing_one():
    import_library(parse_library(GOOD))
    block = GOOD[GOOD.index(f"  - urn: {U}:A.1"):GOOD.index(f"  - urn: {U}:A.2")]
    extra = block.replace(f"{U}:A.1", f"{U}:B.1").replace(f"{U}:A\n", f"{U}:B\n") \
        .replace('"A.1"', '"B.1"')
    report = import_library(parse_library(GOOD + extra))
    assert report.added == [f"{U}:B.1"] and not report.changed
    assert Requirement.objects.get(urn=f"{U}:B.1").parent.urn == f"{U}:B"


@pytest.mark.django_db
def test_ref_ids_can_be_swapped_keeping_urns():
    import_library(parse_library(GOOD))
    swapped = GOOD.replace('ref_id: "A.1"', 'ref_id: "TMP"').replace(
        'ref_id: "A.2"', 'ref_id: "A.1"').replace('ref_id: "TMP"', 'ref_id: "A.2"')
    report = import_library(parse_library(swapped))
    assert sorted(report.changed) == [f"{U}:A.1", f"{U}:A.2"]
    assert Requirement.objects.get(urn=f"{U}:A.1").ref_id == "A.2"
    assert Requirement.objects.get(urn=f"{U}:A.2").ref_id == "A.1"


@pytest.mark.django_db
def test_ref_id_of_a_retired_node_cannot_be_reused():
    import_library(parse_library(GOOD))
    renamed = mutate(GOOD, f"- urn: {U}:A.2", f"- urn: {U}:A.2-new")
    before = counts()
    with pytest.raises(LibraryError) as caught:
        import_library(parse_library(renamed))
    assert "held by the retired node" in str(caught.value)
    assert caught.value.problems[0].urn == f"{U}:A.2-new"
    assert counts() == before
    assert Requirement.objects.get(urn=f"{U}:A.2").retired_at is None


# ------------------------------------------------------------------------------ command


@pytest.mark.django_db
def test_command_all_then_again(capsys):
    call_command("import_referential", "--all")
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(SHIPPED)
    assert f"{ISO_URN}: 92 added, 0 changed, 0 removed, 0 unchanged (new referential)" in out
    assert Referential.objects.count() == len(SHIPPED)
    call_command("import_referential", "--all")
    out = capsys.readouterr().out.splitlines()
    assert all(line.endswith(": no change") for line in out) and len(out) == len(SHIPPED)


@pytest.mark.django_db
def test_command_arguments():
    with pytest.raises(CommandError, match="--all"):
        call_command("import_referential")
    with pytest.raises(CommandError, match="not both"):
        call_command("import_referential", str(ISO_FILE), "--all")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_referential", "/nonexistent/library.yaml")


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "new", "message", "urn", "where"),
                         [case[1:] for case in MALFORMED], ids=[case[0] for case in MALFORMED])
def test_command_imports_nothing_from_a_bad_file(tmp_path, old, new, message, urn, where):
    path = write(tmp_path, mutate(GOOD, old, new))
    before = counts()
    with pytest.raises(CommandError) as caught:
        call_command("import_referential", str(path))
    assert counts() == before
    text = str(caught.value)
    assert message in text and str(path) in text
    if urn:
        assert urn in text
    assert re.search(r"line \d+", text)


@pytest.mark.django_db
def test_command_bad_update_leaves_previous_import_intact(tmp_path, capsys):
    good = write(tmp_path, GOOD, "good.yaml")
    call_command("import_referential", str(good))
    capsys.readouterr()
    # A real change and a problem in the same file: nothing of it is written.
    bad = write(tmp_path, mutate(mutate(GOOD, 'en: "Policy"}', 'en: "Changed"}'),
                                 "basis: french_law", "basis: yearly"), "bad.yaml")
    other = write(tmp_path, mutate(GOOD.replace("test-lib", "other-lib"), 'en: "Policy"}',
                                   'en: "Other policy"}'), "other.yaml")
    before = counts()
    with pytest.raises(CommandError) as caught:
        call_command("import_referential", str(bad), str(other))
    assert "1 file not imported" in str(caught.value)
    assert f"line {line_of(bad.read_text(), 'basis: yearly')}: {U}:B" in str(caught.value)
    assert Requirement.objects.get(urn=f"{U}:A.1").name_en == "Policy"
    # The good file given alongside is imported.
    assert capsys.readouterr().out.startswith("urn:audit-prep:other-lib:1: 4 added")
    assert counts() == (before[0] + 1, before[1] + 4, before[2])


def test_excludable_is_optional_boolean_and_follows_the_tree():
    library = parse_library(GOOD)
    assert not any(node.excludable for node in library.nodes)  # default: false
    allowed = parse_library(mutate(GOOD, f"    assessable: true\n  - urn: {U}:B",
                                   "    assessable: true\n    excludable: true\n"
                                   f"  - urn: {U}:B"))
    assert [n.ref_id for n in allowed.nodes if n.excludable] == ["A.2"]
    with pytest.raises(LibraryError) as error:
        parse_library(mutate(GOOD, "    assessable: false\n", "    assessable: false\n"
                             "    excludable: \"yes\"\n"))
    assert [p.message for p in error.value.problems] == [
        "excludable must be true or false, not a string"]
    # excluding a clause excludes its sub-clauses: the file must say so
    with pytest.raises(LibraryError) as error:
        parse_library(mutate(GOOD, "    assessable: false\n", "    assessable: false\n"
                             "    excludable: true\n"))
    problems = error.value.problems
    assert [(p.urn, p.message) for p in problems] == [
        (f"{U}:A.{n}", "excludable must be true: its parent A may be declared not applicable, "
         "and excluding a clause excludes its sub-clauses") for n in (1, 2)]
    assert problems[0].line == line_of(GOOD, f"- urn: {U}:A.1") + 1  # one line inserted


def test_iso9001_upgrade_from_revision_1_adds_the_climate_node_and_the_flags(db):
    """A database imported from revision 1 (no excludable flag, no climate node, no keywords)
    upgrades in place: nothing retired, links untouched."""
    text = ISO_FILE.read_text(encoding="utf-8")
    start = text.index("  - urn: urn:audit-prep:iso9001:2015:4.1-climat\n")
    end = text.index("  - urn: urn:audit-prep:iso9001:2015:4.2\n")
    old = (text[:start] + text[end:]).replace("    excludable: true\n", "")
    old = re.sub(r"\n    keywords: .*", "", old)
    old = mutate(old, "  revision: 3\n", "  revision: 1\n")
    import_library(parse_library(old))
    assert not Requirement.objects.filter(excludable=True).exists()
    report = import_library(load_library(ISO_FILE))
    assert report.added == [f"{ISO_URN}:4.1-climat"]
    with_keywords = {node.ref_id for node in load_library(ISO_FILE).nodes if node.keywords["fr"]}
    assert {urn.rpartition(":")[2] for urn in report.changed} == ISO_EXCLUDABLE | with_keywords
    assert report.removed == [] and "revision" in report.referential_changed
    assert set(Requirement.objects.filter(excludable=True).values_list("ref_id", flat=True)
               ) == ISO_EXCLUDABLE


@pytest.mark.django_db
def test_per_member_is_read_validated_and_imported():
    assert set(POPULATION_KINDS) == set(PopulationKind.values)
    text = mutate(GOOD, "renewal: {months: 24, basis: french_law}\n    assessable: true",
                  "renewal: {months: 24, basis: french_law}\n    assessable: true\n"
                  "    per_member: employees_in_pathway")
    import_library(parse_library(text))
    assert dict(Requirement.objects.filter(referential__urn=U).values_list(
        "ref_id", "per_member")) == {"A": "", "A.1": "", "A.2": "", "B": "employees_in_pathway"}
    import_library(parse_library(GOOD))  # removed from the file: removed from the row
    assert Requirement.objects.get(referential__urn=U, ref_id="B").per_member == ""


@pytest.mark.django_db
def test_shipped_per_member_nodes():
    for path in SHIPPED:
        import_library(load_library(path))
    assert sorted(Requirement.objects.exclude(per_member="").values_list(
        "referential__code", "ref_id", "per_member")) == [
        ("cedre-iso9001", "T3", "employees_in_pathway"),
        ("cedre-iso9001", "T4.2", "supervisors"),
        ("fr-siae-regulatory", "PASS-IAE", "employees_in_pathway")]
