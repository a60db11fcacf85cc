"""Exports an auditor can follow: requirements in clause order (priority order on request), every
linked evidence item with its reference, current revision, dates, hash and link, the same in
the API's checklist, and a query budget that does not grow with the vault."""

import datetime
import re

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit_prep import access
from checklists.models import Adoption, EvidenceLink
from evidence.models import EvidenceItem

from .conftest import make_referential
from .exporting import NOW, current_hashes, download, kept, pdf_text, sheet_rows

SITE = "https://qualite.example.org"
REVIEW = "Compte rendu de revue de direction"  # two items share this title


@pytest.fixture(autouse=True)
def frozen(settings):
    settings.SITE_URL = SITE
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def vault(api, org, qm, iso):
    """Evidence on 4.3, 7.2 (five certificates: more than a PDF cell shows) and 9.3.3 (two
    items with one title, one in its second revision with two files)."""
    _ref, req = iso
    today = NOW.date()
    items = {
        "scope": kept(org, qm, "Périmètre du SMQ", effective_date=today - relativedelta(
            months=2)),
        "review_old": kept(org, qm, REVIEW, kind="record",
                           effective_date=today - relativedelta(months=11)),
        "review": kept(org, qm, REVIEW, kind="record", revisions=2, files=2,
                       effective_date=today - relativedelta(months=1)),
        **{f"sst{n}": kept(org, qm, f"Attestation SST n°{n}", kind="record",
                           effective_date=today - relativedelta(months=n),
                           valid_until=today + relativedelta(months=24 - n))
           for n in range(1, 6)},
    }
    pairs = [("review", "9.3.3"), ("review_old", "9.3.3"), ("scope", "4.3"),
             *((f"sst{n}", "7.2") for n in range(1, 6))]
    for key, ref_id in pairs:
        EvidenceLink.objects.create(evidence=items[key], requirement=req[ref_id], created_by=qm)
    return items


def _checklist(api, adoption, **params):
    response = api.get(f"/api/v1/adoptions/{adoption.pk}/checklist/", params)
    assert response.status_code == 200, response.content
    return response.json()


def _export(api, adoption, fmt, **params):
    return download(api, f"/api/v1/adoptions/{adoption.pk}/checklist/export/{fmt}/", **params)


def test_checklist_shows_reference_revision_validity_hash_and_link(api, adoption, vault):
    body = _checklist(api, adoption)
    items = {item["ref_id"]: item for item in body["items"]}
    lines = {line["id"]: line for line in items["9.3.3"]["evidence"]}
    review, old = vault["review"], vault["review_old"]
    assert lines[review.pk]["title"] == lines[old.pk]["title"] == REVIEW
    assert lines[review.pk]["reference"] == f"EV-{review.pk:06d}" != lines[old.pk]["reference"]
    assert (lines[review.pk]["revision"], lines[old.pk]["revision"]) == (2, 1)
    assert lines[review.pk]["sha256"] == current_hashes(review)
    assert len(lines[review.pk]["sha256"]) == 2
    assert all(re.fullmatch(r"[0-9a-f]{12}", prefix) for prefix in lines[review.pk]["sha256"])
    assert lines[review.pk]["url"] == f"{SITE}/evidence/{review.pk}/"
    # the end of validity for this requirement: 9.3.3's 12-month period from the effective date
    assert lines[old.pk]["valid_until"] == (old.effective_date + relativedelta(
        months=12)).isoformat()
    assert lines[old.pk]["effective_date"] == old.effective_date.isoformat()
    certificate = next(line for line in items["7.2"]["evidence"]
                       if line["id"] == vault["sst1"].pk)
    assert certificate["valid_until"] == vault["sst1"].valid_until.isoformat()

    # the API names the item by the same reference, and finds it by it
    detail = api.get(f"/api/v1/evidence/{review.pk}/").json()
    assert detail["reference"] == lines[review.pk]["reference"]
    found = api.get("/api/v1/evidence/", {"reference": f"ev-{review.pk}"}).json()
    assert [item["id"] for item in found["results"]] == [review.pk]
    assert api.get("/api/v1/evidence/", {"reference": "nonsense"}).json()["count"] == 0


def test_clause_order_by_default_priority_on_request(api, adoption, vault):
    clause = [item["ref_id"] for item in _checklist(api, adoption)["items"]]
    assert clause == ["4.3", "6.2", "6.2.1", "6.2.2", "7.2", "7.5.3", "8.3", "9.2", "9.2.2",
                      "9.3", "9.3.3"]
    priority = _checklist(api, adoption, order="priority")["items"]
    assert priority[0]["status"] == "missing" and priority[-1]["status"] == "covered"

    _response, content = _export(api, adoption, "xlsx")
    _header, rows = sheet_rows(content, 0, "Exigence")
    assert [row[0].value for row in rows] == clause
    _response, content = _export(api, adoption, "xlsx", order="priority")
    _header, rows = sheet_rows(content, 0, "Exigence")
    assert [row[0].value for row in rows] == [item["ref_id"] for item in priority]
    # the evidence and the statement of applicability stay in clause order
    _header, evidence = sheet_rows(content, "Preuves", "Exigence")
    assert [row[0].value for row in evidence] == ["4.3", *["7.2"] * 5, "9.3.3", "9.3.3"]
    _header, statement = sheet_rows(content, "Déclaration d'applicabilité", "Exigence")
    assert [row[0].value for row in statement] == clause

    response = api.get(f"/api/v1/adoptions/{adoption.pk}/checklist/export/pdf/",
                       {"order": "by-colour"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["order"][0]["code"] == "invalid_choice"


def test_pdf_lists_every_evidence_item_with_reference_revision_and_hash(api, adoption, vault):
    """The issue's "done when", on a small vault: every item, in clause order."""
    response, content = _export(api, adoption, "pdf")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(content)
    section = text[text.index("Preuves Exigence Référence"):text.index(
        "Déclaration d'applicabilité")]
    expected = [vault[key] for key in ("scope", "sst1", "sst2", "sst3", "sst4", "sst5")]
    expected += sorted([vault["review"], vault["review_old"]],
                       key=lambda item: item.pk == vault["review_old"].pk)  # the newest first
    positions = [section.index(f"EV-{item.pk:06d}") for item in expected]
    assert positions == sorted(positions), "not in clause order"
    assert len(set(EvidenceItem.objects.values_list("pk", flat=True))) == len(expected)
    for item in expected:
        line = section[section.index(f"EV-{item.pk:06d}"):][:400]
        revision = item.revisions.get(is_current=True).number
        assert f"v{revision}" in line
        for prefix in current_hashes(item):
            assert prefix in line
        assert item.effective_date.strftime("%d/%m/%Y") in line
    assert f"{SITE}/evidence/{vault['review'].pk}/" in section
    # the checklist cell shows three and says how many more, by reference
    assert "… (+2)" in text and f"EV-{vault['sst1'].pk:06d} v1 — Attestation SST n°1" in text


def test_xlsx_evidence_sheet(api, adoption, vault):
    _response, content = _export(api, adoption, "xlsx")
    header, rows = sheet_rows(content, "Preuves", "Exigence")
    assert header == ["Exigence", "Référence", "Intitulé", "État", "Version", "Date d'effet",
                      "Valable jusqu'au", "SHA-256 (12 premiers caractères)", "Lien"]
    by_reference = {row[1].value: row for row in rows}
    review = by_reference[f"EV-{vault['review'].pk:06d}"]
    assert review[2].value == REVIEW and review[4].value == "v2"
    assert review[3].value == "valide"
    assert review[5].value.date() == vault["review"].effective_date
    assert review[6].value.date() == vault["review"].effective_date + relativedelta(months=12)
    assert review[7].value.split("\n") == current_hashes(vault["review"])
    assert review[8].value == review[8].hyperlink.target == \
        f"{SITE}/evidence/{vault['review'].pk}/"
    assert len(rows) == 8


def test_csv_and_english(client_for, qm, adoption, vault):
    api = client_for(qm, language="en")
    _response, content = _export(api, adoption, "csv")
    text = content.decode("utf-8-sig")
    review = vault["review"]
    hashes = " ".join(current_hashes(review))
    assert f"EV-{review.pk:06d} v2 — {REVIEW} (sha256 {hashes}, valid until " in text
    _response, content = _export(api, adoption, "xlsx")
    header, _rows = sheet_rows(content, "Evidence", "Requirement")
    assert header == ["Requirement", "Reference", "Title", "State", "Revision",
                      "Effective date", "Valid until", "SHA-256 (first 12 digits)", "Link"]
    header, rows = sheet_rows(content, 0, "Requirement")
    assert header[2] == "Documented information"
    assert {row[0].value: row[2].value for row in rows}["9.3.3"] == "to retain"


def _vault_of(org, user, requirements, count, start):
    """`count` approved items with a verified revision holding one file, each linked to two
    requirements."""
    today = NOW.date()
    for n in range(start, start + count):
        item = kept(org, user, f"Enregistrement {n}", kind="record",
                    effective_date=today - datetime.timedelta(days=n % 300))
        EvidenceLink.objects.bulk_create(
            EvidenceLink(evidence=item, requirement=requirements[(2 * n + k) % len(
                requirements)], created_by=user) for k in range(2))


def _queries(api, user, path):
    access.forget(user)  # the test client reuses one user object
    with CaptureQueriesContext(connection) as queries:
        response = api.get(path)
        assert response.status_code == 200
    return len(queries)


def test_query_count_of_checklist_and_exports_does_not_grow(api, org, qm):
    referential, req = make_referential()
    adoption = Adoption.objects.create(organization=org, referential=referential, adopted_by=qm)
    requirements = [r for r in req.values() if r.assessable]
    paths = [f"/api/v1/adoptions/{adoption.pk}/checklist/",
             f"/api/v1/adoptions/{adoption.pk}/checklist/export/xlsx/",
             f"/api/v1/adoptions/{adoption.pk}/checklist/export/csv/"]
    _vault_of(org, qm, requirements, 10, 0)
    small = [_queries(api, qm, path) for path in paths]
    _vault_of(org, qm, requirements, 90, 10)
    large = [_queries(api, qm, path) for path in paths]
    assert large == small
    _response, content = _export(api, adoption, "xlsx")
    _header, rows = sheet_rows(content, "Preuves", "Exigence")
    assert len(rows) == 200  # every link, though the API shows 10 per requirement


@pytest.fixture
def in_french():
    from django.utils import translation

    with translation.override("fr"):
        yield


def test_statement_of_applicability_reads_the_rows_status(in_french):
    """The statement reads each row's status and justification (the checklist cascades an
    exclusion to the sub-clauses with the parent's justification): an excluded 8.3 reads "Non"
    for 8.3.1 too, in clause order even when the checklist is in priority order."""
    import io

    from checklists import exports

    from .test_exports import EXCLUSION, make_checklist

    checklist = make_checklist()  # in priority order: 8.3 comes last
    items = checklist["items"]
    clause_order = ["4.3", "6.2.1", "7.1.5.2", "7.2", "8.2.3.1", "8.3", "8.3.1", "9.3"]
    parent = next(item for item in items if item["ref_id"] == "8.3")
    items.append({**parent, "ref_id": "8.3.1", "name": "Généralités", "requirement_id": 1})
    for item in items:
        item["position"] = clause_order.index(item["ref_id"])
    stream = io.BytesIO()
    exports.write_xlsx(checklist, stream)
    _header, rows = sheet_rows(stream.getvalue(), "Déclaration d'applicabilité", "Exigence")
    lines = {row[0].value: [cell.value for cell in row] for row in rows}
    assert list(lines) == clause_order
    assert lines["8.3"][2:] == lines["8.3.1"][2:] == ["Non", EXCLUSION]
    assert {line[2] for ref, line in lines.items() if not ref.startswith("8.3")} == {"Oui"}
    stream = io.BytesIO()
    exports.write_pdf(checklist, stream)
    text = pdf_text(stream.getvalue())
    statement = text[text.index("Déclaration d'applicabilité"):]
    assert f"8.3 Conception et développement de produits et services Non {EXCLUSION}" in statement
    assert f"8.3.1 Généralités Non {EXCLUSION}" in statement


def test_openapi_documents_the_order_and_the_exports(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/adoptions/{id}/checklist/",
                 "/api/v1/adoptions/{id}/checklist/export/{fmt}/"):
        [order] = [p for p in schema["paths"][path]["get"]["parameters"]
                   if p["name"] == "order"]
        assert order["schema"]["enum"] == ["clause", "priority"]
        assert order["schema"]["default"] == "clause"
    export = schema["paths"]["/api/v1/adoptions/{id}/checklist/export/{fmt}/"]["get"]
    assert set(export["responses"]["200"]["content"]) == {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/pdf", "text/csv; charset=utf-8"}
    master = schema["paths"]["/api/v1/documented-information/{id}/export/{fmt}/"]["get"]
    assert set(master["responses"]["200"]["content"]) == {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/pdf"}
    fields = schema["components"]["schemas"]["Evidence"]["properties"]
    assert fields["reference"]["readOnly"]


def test_statement_of_applicability_of_a_cascaded_exclusion(api, org, qm):
    """Through the API: 8.3 excluded reads "Non" for 8.3.1 and 8.3.2 too, with 8.3's
    justification, in the XLSX and the PDF, in clause order even in priority order."""
    referential, req = make_referential(clauses=[
        ("4", None, [], None), ("4.3", "4", ["maintain"], None),
        ("8", None, [], None), ("8.2", "8", [], None), ("8.3", "8", [], None),
        ("8.3.1", "8.3", [], None), ("8.3.2", "8.3", ["retain"], None)])
    adoption = Adoption.objects.create(organization=org, referential=referential, adopted_by=qm)
    justification = "Pas de conception : la structure met à disposition du personnel."
    response = api.post("/api/v1/exclusions/", {
        "organization": org.pk, "requirement": req["8.3"].pk, "justification": justification},
        format="json")
    assert response.status_code == 201, response.json()

    _response, content = _export(api, adoption, "xlsx", order="priority")
    _header, rows = sheet_rows(content, "Déclaration d'applicabilité", "Exigence")
    lines = [[cell.value for cell in row] for row in rows]
    assert [line[0] for line in lines] == ["4.3", "8.2", "8.3", "8.3.1", "8.3.2"]
    assert {line[0]: tuple(line[2:]) for line in lines} == {
        "4.3": ("Oui", None), "8.2": ("Oui", None), "8.3": ("Non", justification),
        "8.3.1": ("Non", justification), "8.3.2": ("Non", justification)}
    _response, content = _export(api, adoption, "pdf")
    statement = pdf_text(content).split("Déclaration d'applicabilité")[-1]
    for ref_id in ("8.3", "8.3.1", "8.3.2"):
        assert f"{ref_id} Exigence {ref_id} — œuvre Non {justification}" in statement
    assert "8.2 Exigence 8.2 — œuvre Oui" in statement


@pytest.mark.parametrize("fillers", [7, 11])
def test_a_section_title_stays_with_its_table(in_french, fillers):
    """No page of the PDF ends on a section title (with 7 and 11 more rows, the titles of the
    statement and of the evidence would fall at the foot of a page): it moves to the page where
    its table starts."""
    import io

    from pypdf import PdfReader

    from checklists import exports

    from .test_exports import make_checklist

    stream = io.BytesIO()
    exports.write_pdf(make_checklist(fillers=fillers), stream)
    for page in PdfReader(stream).pages:
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        body = [line for line in lines if not line.startswith("Page ")
                and " — " not in line]  # the footer
        assert body[-1] not in ("Preuves", "Déclaration d'applicabilité", "Liste de contrôle",
                                "Prérequis de l'étape 1"), body[-3:]
