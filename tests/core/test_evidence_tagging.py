"""Tagging an evidence item from its page (search across the structure's referentials, link,
remove a link), the in-browser preview of its PDFs and images, and the fixed number of queries
of its page."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from audit_prep.models import AuditEvent
from audit_prep.roles import Role
from checklists.models import Adoption, EvidenceLink, Requirement
from checklists.services import tailoring
from evidence.models import EvidenceItem, StoredFile
from tests.checklists.conftest import make_referential
from tests.conftest import upload
from tests.filemakers import make_pdf, make_png


@pytest.fixture
def clauses(org, qm):
    """The ISO 9001 test referential, adopted by `org`; ISO 14001 exists but is not adopted."""
    referential, clauses = make_referential()
    Adoption.objects.create(organization=org, referential=referential, adopted_by=qm,
                            target_audit_date=datetime.date(2027, 3, 15))
    make_referential(code="iso14001", clauses=[("4", None, [], None), ("7.2", "4", [], None)])
    return clauses


def _text(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


def _search(client, evidence, query, **headers):
    return client.get(f"/evidence/{evidence.pk}/requirements/", {"q": query},
                      HTTP_ACCEPT_LANGUAGE="fr", **headers)


def test_search_finds_requirements_by_clause_among_the_adopted_referentials(as_role, evidence,
                                                                           clauses):
    response = _search(as_role(Role.CONTRIBUTOR), evidence, "7.2")
    assert response.status_code == 200
    text = _text(response)
    assert "1 exigence trouvée." in text  # not ISO 14001's 7.2: not adopted
    assert "ISO9001 7.2" in text and "ISO14001" not in text
    assert f'name="requirement" value="{clauses["7.2"].pk}"' in text
    assert 'aria-label="Lier à ISO9001 7.2"' in text
    assert "<h1>" in text  # without htmx: the item's page with the results


def test_search_by_words_in_french_or_english_answers_htmx_with_the_results_only(
        as_role, evidence, clauses):
    client = as_role(Role.CONTRIBUTOR)
    french = _text(_search(client, evidence, "exigence 9.2", HTTP_HX_REQUEST="true"))
    assert "<h1>" not in french and 'hx-swap-oob="true"' in french
    assert "2 exigences trouvées." in french  # 9.2 and 9.2.2 (chapters are not offered)
    assert "data-focus-after-swap" in french
    english = _text(_search(client, evidence, "requirement 6.2.1", HTTP_HX_REQUEST="true"))
    assert "1 exigence trouvée." in english and "ISO9001 6.2.1" in english
    nothing = _text(_search(client, evidence, "introuvable", HTTP_HX_REQUEST="true"))
    assert "0 exigence trouvée." in nothing and "Aucune exigence trouvée." in nothing


def test_search_marks_what_is_linked_and_what_is_excluded(as_role, evidence, clauses, qm, org):
    tailoring.exclude(qm, org, clauses["8.3"], "Pas de conception.")
    EvidenceLink.objects.create(evidence=evidence, requirement=clauses["7.2"], created_by=qm)
    client = as_role(Role.QUALITY_MANAGER)
    assert "déjà reliée" in _text(_search(client, evidence, "7.2"))
    assert "exclue par la structure" in _text(_search(client, evidence, "8.3"))


def test_linking_from_the_page_uses_the_apis_service_and_trail(as_role, evidence, clauses):
    client = as_role(Role.CONTRIBUTOR)
    response = client.post(f"/evidence/{evidence.pk}/links/",
                           {"requirement": clauses["7.2"].pk}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302
    assert response["Location"] == f"/evidence/{evidence.pk}/#requirements"
    assert list(EvidenceLink.objects.filter(evidence=evidence).values_list(
        "requirement__ref_id", flat=True)) == ["7.2"]
    [event] = AuditEvent.objects.filter(action="evidence.link", object_id=str(evidence.pk))
    assert event.after["requirements"] == [clauses["7.2"].urn]
    page = _text(client.get(f"/evidence/{evidence.pk}/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Reliée à ISO9001 7.2." in page
    assert 'aria-label="Retirer le lien vers ISO9001 7.2"' in page

    again = client.post(f"/evidence/{evidence.pk}/links/", {"requirement": clauses["7.2"].pk},
                        HTTP_ACCEPT_LANGUAGE="fr")
    assert again.status_code == 400
    assert ('<li data-code="already_linked">Cette preuve est déjà reliée à cette exigence.'
            '</li>') in _text(again)


def test_linking_a_requirement_the_structure_does_not_follow_is_refused(as_role, evidence,
                                                                        clauses):
    unadopted = Requirement.objects.get(referential__code="iso14001", ref_id="7.2")
    response = as_role(Role.QUALITY_MANAGER).post(
        f"/evidence/{evidence.pk}/links/", {"requirement": unadopted.pk},
        HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert 'id="link-refusals"' in _text(response)
    assert "Cette exigence appartient à un référentiel que la structure ne suit pas." in _text(
        response)
    assert not EvidenceLink.objects.filter(evidence=evidence).exists()


def test_removing_a_link(as_role, evidence, clauses, qm):
    link = EvidenceLink.objects.create(evidence=evidence, requirement=clauses["7.2"],
                                       created_by=qm)
    client = as_role(Role.CONTRIBUTOR)
    response = client.post(f"/evidence/{evidence.pk}/links/{link.pk}/remove/")
    assert response.status_code == 302
    assert not EvidenceLink.objects.filter(pk=link.pk).exists()
    assert AuditEvent.objects.filter(action="evidence.unlink",
                                     object_id=str(evidence.pk)).count() == 1


def test_a_viewer_may_not_tag_even_with_a_forged_post(as_role, evidence, clauses, qm):
    link = EvidenceLink.objects.create(evidence=evidence, requirement=clauses["7.2"],
                                       created_by=qm)
    viewer = as_role(Role.VIEWER)
    assert _search(viewer, evidence, "7.2").status_code == 403
    assert viewer.post(f"/evidence/{evidence.pk}/links/",
                       {"requirement": clauses["6.2.1"].pk}).status_code == 403
    assert viewer.post(f"/evidence/{evidence.pk}/links/{link.pk}/remove/").status_code == 403
    assert list(EvidenceLink.objects.values_list("pk", flat=True)) == [link.pk]


def test_another_structures_item_or_link_is_not_found(client, outsider, evidence, clauses, qm):
    link = EvidenceLink.objects.create(evidence=evidence, requirement=clauses["7.2"],
                                       created_by=qm)
    client.force_login(outsider)
    assert _search(client, evidence, "7.2").status_code == 404
    assert client.post(f"/evidence/{evidence.pk}/links/",
                       {"requirement": clauses["6.2.1"].pk}).status_code == 404
    assert client.post(f"/evidence/{evidence.pk}/links/{link.pk}/remove/").status_code == 404
    assert EvidenceLink.objects.count() == 1


def test_tagging_needs_the_csrf_token(qm, evidence, clauses):
    client = Client(enforce_csrf_checks=True)
    client.force_login(qm)
    assert client.post(f"/evidence/{evidence.pk}/links/",
                       {"requirement": clauses["7.2"].pk}).status_code == 403
    assert not EvidenceLink.objects.exists()


# --- previews -------------------------------------------------------------------------------


@pytest.fixture
def files(api, evidence, tmp_path):
    """A PDF, a PNG and a text file in the item's first version: name -> StoredFile."""
    with make_pdf(tmp_path / "attestation.pdf").open("rb") as pdf, \
            make_png(tmp_path / "affichage.png").open("rb") as png:
        assert upload(api, evidence.pk, pdf, png, ("notes.txt", b"Notes de revue.\n")
                      ).status_code == 201
    return {stored.name: stored for stored in StoredFile.objects.all()}


def test_a_pdf_or_an_image_is_shown_inline_with_the_downloads_safe_headers(as_role, files):
    client = as_role(Role.VIEWER)
    for name in ("attestation.pdf", "affichage.png"):
        stored = files[name]
        response = client.get(f"/files/{stored.pk}/preview/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content)[:4] in (b"%PDF", b"\x89PNG")
        assert response["Content-Type"] == stored.mime_type
        assert response["Content-Disposition"] == f'inline; filename="{name}"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Checksum-SHA256"] == stored.sha256
        assert response["X-Frame-Options"] == "SAMEORIGIN"
        policy = dict(part.strip().split(" ", 1) for part in
                      response["Content-Security-Policy"].split(";"))
        assert policy == {"default-src": "'none'", "img-src": "'self'",
                          "style-src": "'unsafe-inline'", "frame-ancestors": "'self'"}
        event = AuditEvent.objects.filter(action="file.download").latest("id")
        assert (event.object_id, event.after["inline"]) == (str(stored.pk), True)


def test_other_types_have_no_preview_and_a_head_records_nothing(as_role, files):
    client = as_role(Role.QUALITY_MANAGER)
    assert client.get(f"/files/{files['notes.txt'].pk}/preview/").status_code == 404
    downloads = AuditEvent.objects.filter(action="file.download").count()
    assert client.head(f"/files/{files['attestation.pdf'].pk}/preview/").status_code == 200
    assert AuditEvent.objects.filter(action="file.download").count() == downloads
    assert client.post(f"/files/{files['attestation.pdf'].pk}/preview/").status_code == 405


def test_a_preview_of_another_structures_file_is_not_found(client, outsider, files):
    client.force_login(outsider)
    assert client.get(f"/files/{files['attestation.pdf'].pk}/preview/").status_code == 404
    assert not AuditEvent.objects.filter(action="file.download").exists()


def test_the_item_page_embeds_a_preview_on_request_only(as_role, evidence, files):
    client = as_role(Role.VIEWER)
    page = _text(client.get(f"/evidence/{evidence.pk}/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert "<iframe" not in page and "<img" not in page  # a preview is a download
    assert page.count(">Aperçu<") == 2  # the PDF and the image, not the text file
    pdf, png = files["attestation.pdf"], files["affichage.png"]
    shown = _text(client.get(f"/evidence/{evidence.pk}/", {"preview": pdf.pk}))
    assert f'<iframe src="/files/{pdf.pk}/preview/" title="Aperçu de attestation.pdf">' in shown
    image = _text(client.get(f"/evidence/{evidence.pk}/", {"preview": png.pk}))
    assert f'<img src="/files/{png.pk}/preview/" alt="Aperçu de affichage.png">' in image
    policy = client.get(f"/evidence/{evidence.pk}/")["Content-Security-Policy"]
    assert "frame-src 'self'" in policy and "frame-ancestors 'none'" in policy


# --- queries --------------------------------------------------------------------------------


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def _grow(org, qm, evidence, clauses, count: int) -> None:
    """`count` more items in the vault, and the item linked to more requirements."""
    EvidenceItem.objects.bulk_create(
        EvidenceItem(organization=org, title=f"Attestation {index}", kind="record",
                     created_by=qm, effective_date=datetime.date(2026, 1, 5))
        for index in range(count))
    for ref_id in ("6.2.1", "7.2", "9.2", "9.3.3"):
        EvidenceLink.objects.get_or_create(evidence=evidence, requirement=clauses[ref_id],
                                           defaults={"created_by": qm})


def test_the_item_page_runs_the_same_queries_for_10_and_500_items(as_role, org, qm, evidence,
                                                                   clauses, files):
    client = as_role(Role.QUALITY_MANAGER)
    _grow(org, qm, evidence, clauses, 10)
    pages = {"page": f"/evidence/{evidence.pk}/",
             "search": f"/evidence/{evidence.pk}/requirements/?q=exigence",
             "edit": f"/evidence/{evidence.pk}/edit/"}
    small = {name: _queries(client, path) for name, path in pages.items()}
    _grow(org, qm, evidence, clauses, 490)
    assert {name: _queries(client, path) for name, path in pages.items()} == small
