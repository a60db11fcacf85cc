"""The master list of documented information (ISO 9001 7.5.3), as XLSX and PDF: every document
to maintain and record to retain of the structure that is not archived, with its current
revision and hash, owner, approval, effective date, next review or end of validity and linked
requirements; in the request's language; in a fixed number of queries."""

import datetime

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit_prep import access
from checklists.models import EvidenceLink
from checklists.services import validity
from tests.factories import EvidenceFactory, UserFactory

from .conftest import make_referential
from .exporting import NOW, current_hashes, download, kept, pdf_text, sheet_rows

SITE = "https://qualite.example.org"
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen(settings):
    settings.SITE_URL = SITE
    with time_machine.travel(NOW, tick=False):
        yield


def _path(org, fmt):
    return f"/api/v1/documented-information/{org.pk}/export/{fmt}/"


@pytest.fixture
def vault(org, other_org, qm, iso, adoption):
    _ref, req = iso
    _cedre, cedre_req = make_referential(code="cedre", clauses=[
        ("1", None, [], None), ("1.2", "1", ["maintain"], None)])
    owner = UserFactory(username="cpetit", first_name="Claire", last_name="Petit")
    items = {
        # a procedure in its second revision, two files, linked to two referentials
        "procedure": kept(org, qm, "Procédure de maîtrise des documents", revisions=2, files=2,
                          owner=owner, effective_date=datetime.date(2026, 3, 1),
                          valid_until=datetime.date(2027, 2, 28)),
        # a record whose validity comes from its requirement's 12-month period
        "review": kept(org, qm, "Compte rendu de revue de direction", kind="record",
                       effective_date=datetime.date(2026, 1, 20)),
        # the same title again: told apart by its reference
        "review_bis": kept(org, qm, "Compte rendu de revue de direction", kind="record",
                           effective_date=datetime.date(2025, 6, 5)),
        # a draft without a verified revision, linked to nothing
        "draft": EvidenceFactory(organization=org, created_by=qm, title="Politique qualité",
                                 effective_date=datetime.date(2026, 11, 1)),
        "archived": kept(org, qm, "Ancienne procédure", status="archived", archived_at=NOW,
                         archived_by=qm),
        "other": kept(other_org, qm, "Procédure du voisin"),
    }
    for key, requirement in [("procedure", req["7.5.3"]), ("procedure", req["4.3"]),
                             ("procedure", cedre_req["1.2"]), ("review", req["9.3.3"]),
                             ("review_bis", req["9.3.3"]), ("archived", req["7.5.3"])]:
        EvidenceLink.objects.create(evidence=items[key], requirement=requirement,
                                    created_by=qm)
    # Links written directly, not through the services (the structure follows ISO 9001:
    # `adoption`): store the validity as the recomputation after their signal would.
    validity.refresh([org.pk], on=TODAY)
    return items


def test_xlsx(api, org, vault):
    response, content = download(api, _path(org, "xlsx"))
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response["Content-Disposition"] == (
        'attachment; filename="liste-des-informations-documentees_ai-du-val_2026-11-26.xlsx"')
    header, rows = sheet_rows(content, 0, "Référence")
    assert header == [
        "Référence", "Intitulé", "Nature", "Statut", "Version",
        "SHA-256 (12 premiers caractères)", "Responsable", "Approuvé par", "Approuvé le",
        "Date d'effet", "Prochaine revue / fin de validité", "Exigences liées", "Lien"]
    by_reference = {row[0].value: [cell.value for cell in row] for row in rows}
    procedure = vault["procedure"]
    reference = f"EV-{procedure.pk:06d}"
    # documents to maintain first, then records; archived items and other structures' absent
    assert list(by_reference) == [f"EV-{vault[key].pk:06d}"
                                  for key in ("procedure", "draft", "review", "review_bis")]
    line = by_reference[reference]
    assert line[1:5] == ["Procédure de maîtrise des documents", "document à tenir à jour",
                         "approuvée", "v2"]
    assert line[5].split("\n") == current_hashes(procedure)
    assert line[6:8] == ["Claire Petit", "qualite"]
    assert line[8].date() == TODAY
    assert line[9].date() == datetime.date(2026, 3, 1)
    assert line[10].date() == datetime.date(2027, 2, 28)  # its own end
    assert line[11] == "CEDRE : 1.2\nISO9001 : 4.3, 7.5.3"  # by referential, clause order
    assert line[12] == f"{SITE}/evidence/{procedure.pk}/"
    assert rows[0][12].hyperlink.target == line[12]
    review = by_reference[f"EV-{vault['review'].pk:06d}"]
    assert review[2] == "enregistrement à conserver"
    assert review[10].date() == datetime.date(2027, 1, 20)  # 9.3.3's 12 months
    assert review[11] == "ISO9001 : 9.3.3"
    draft = by_reference[f"EV-{vault['draft'].pk:06d}"]
    assert draft[3:6] == ["brouillon", "—", "—"]
    assert draft[7:9] == [None, None] and draft[10] is None and draft[11] is None


def test_pdf_in_french_and_in_english(api, client_for, qm, org, vault):
    _response, content = download(api, _path(org, "pdf"))
    text = pdf_text(content)
    assert "Liste maîtresse des informations documentées" in text
    documents, records = text.index("Documents à tenir à jour"), text.index(
        "Enregistrements à conserver")
    assert documents < text.index(f"EV-{vault['procedure'].pk:06d}") < records
    assert records < text.index(f"EV-{vault['review'].pk:06d}")
    for prefix in current_hashes(vault["procedure"]):
        assert prefix in text
    assert "Claire Petit" in text and "qualite — 26/11/2026" in text
    assert "20/01/2027" in text  # the review's end of validity
    assert "Ancienne procédure" not in text and "Procédure du voisin" not in text
    assert "Page 1 / 1" in text

    response, content = download(client_for(qm, language="en"), _path(org, "pdf"))
    assert response["Content-Disposition"].endswith(
        '"documented-information-master-list_ai-du-val_2026-11-26.pdf"')
    text = pdf_text(content)
    assert "Master list of documented information" in text
    assert "Documents to maintain" in text and "Records to retain" in text
    assert "2027-01-20" in text


def test_empty_structure(api, org):
    _response, content = download(api, _path(org, "pdf"))
    assert "Aucun document ni enregistrement pour l'instant." in pdf_text(content)
    _response, content = download(api, _path(org, "xlsx"))
    _header, rows = sheet_rows(content, 0, "Référence")
    assert rows == []


def test_unknown_format_and_structure(api, org, other_org):
    assert api.get(f"/api/v1/documented-information/{org.pk}/export/csv/").status_code == 404
    assert api.get(_path(other_org, "pdf")).status_code == 404
    assert api.get("/api/v1/documented-information/999999/export/pdf/").status_code == 404


def _grow(org, user, requirements, count, start):
    for n in range(start, start + count):
        item = kept(org, user, f"Enregistrement {n}", kind="record" if n % 2 else "document",
                    effective_date=TODAY - relativedelta(days=n))
        EvidenceLink.objects.bulk_create(
            EvidenceLink(evidence=item, requirement=requirements[(n + k) % len(requirements)],
                         created_by=user) for k in range(2))


def _queries(api, user, path):
    access.forget(user)
    with CaptureQueriesContext(connection) as queries:
        _response, content = download(api, path)
    return len(queries), content


def test_query_count_does_not_grow(api, org, qm, iso):
    requirements = [r for r in iso[1].values() if r.assessable]
    _grow(org, qm, requirements, 10, 0)
    small, _content = _queries(api, qm, _path(org, "xlsx"))
    _grow(org, qm, requirements, 70, 10)
    large, content = _queries(api, qm, _path(org, "xlsx"))
    assert large == small
    _header, rows = sheet_rows(content, 0, "Référence")
    assert len(rows) == 80
    pdf_count, content = _queries(api, qm, _path(org, "pdf"))
    assert pdf_count == small
    assert pdf_text(content).count("EV-0") == 80


def test_the_merge_across_chunk_boundaries(api, org, qm, iso, monkeypatch):
    """Items, files and links are read in chunks and merged as they come: with chunks of 3 rows
    the list is the same as with one chunk (on PostgreSQL, three server-side cursors at once)."""
    from checklists.services import master_list

    requirements = [r for r in iso[1].values() if r.assessable]
    _grow(org, qm, requirements, 11, 0)
    _response, whole = download(api, _path(org, "xlsx"))
    monkeypatch.setattr(master_list, "CHUNK", 3)
    _response, chunked = download(api, _path(org, "xlsx"))
    values = [[[cell.value for cell in row] for row in sheet_rows(content, 0, "Référence")[1]]
              for content in (whole, chunked)]
    assert values[0] == values[1] and len(values[0]) == 11
    assert all(row[11] for row in values[0]) and all(row[4] == "v1" for row in values[0])
