"""Rows stored before the text rule may hold control and invisible formatting characters (a
right-to-left override makes "facture<RLO>fdp.exe" read "facturexe.pdf"): every export writes
them without those characters."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from audit_prep.text import first_unsafe
from checklists.models import EvidenceLink

from .exporting import download, kept, pdf_text

RLO, LRI, PDI = "\u202e", "\u2066", "\u2069"
TITLE = f"Facture{RLO}fdp.exe\x07 {LRI}RH{PDI}"
SHOWN = "Facturefdp.exe RH"


@pytest.fixture
def stored_before_the_rule(org, qm, iso, adoption):
    _ref, req = iso
    org.name = f"AI du Val{RLO}"
    org.save(update_fields=["name"])
    item = kept(org, qm, TITLE, effective_date=datetime.date(2026, 1, 5),
                description=f"ligne 1\nligne{RLO} 2")
    EvidenceLink.objects.create(evidence=item, requirement=req["4.3"], created_by=qm)
    return item


def workbook_text(content: bytes) -> str:
    """Every cell and sheet title of the workbook, one per line."""
    workbook = load_workbook(io.BytesIO(content))
    return "\n".join([sheet.title for sheet in workbook.worksheets] + [
        str(cell.value) for sheet in workbook.worksheets for row in sheet.iter_rows()
        for cell in row if cell.value is not None])


def _clean(text: str) -> None:
    assert first_unsafe(text, multiline=True) is None, repr(text)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_checklist_exports(api, adoption, stored_before_the_rule, fmt):
    _response, body = download(api, f"/api/v1/adoptions/{adoption.pk}/checklist/export/{fmt}/")
    if fmt == "csv":
        text = body.decode("utf-8-sig")
    elif fmt == "pdf":
        text = pdf_text(body)
    else:
        text = workbook_text(body)
    _clean(text)
    assert SHOWN in text


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_master_list_exports(api, org, stored_before_the_rule, fmt):
    _response, body = download(api, f"/api/v1/documented-information/{org.pk}/export/{fmt}/")
    text = pdf_text(body) if fmt == "pdf" else workbook_text(body)
    _clean(text)
    assert SHOWN in text


def test_calendar_feed(api, stored_before_the_rule, qm):
    from evidence.models import EvidenceItem

    EvidenceItem.objects.filter(pk=stored_before_the_rule.pk).update(
        validity_end=datetime.date(2027, 1, 5))
    feed_url = api.get("/api/v1/me/calendar/").json()["url"]
    body = api.get(feed_url[feed_url.index("/calendar/"):]).content.decode()
    _clean(body.replace("\r\n", "\n"))
    assert "Facturefdp.exe" in body
