"""The upload pages: "Add evidence" (each file its own draft item, per-file answers for the
script, the whole request refused with every reason for a form sent without it), a new version
from an item's page, and the files an item shares with other items."""

import html
import io

import pytest
from django.test import Client

from audit_prep.models import AuditEvent
from audit_prep.roles import Role
from evidence.models import EvidenceItem, EvidenceStatus, Revision, StoredFile
from tests.conftest import stored_objects, upload
from tests.factories import EvidenceFactory, MembershipFactory, OrganizationFactory
from tests.filemakers import make_elf, make_pdf

FIELDS = {"kind": "record", "effective_date": "2026-03-02"}


@pytest.fixture
def signed_in(client, qm, media_root):
    client.force_login(qm)
    return client


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _file(path) -> io.BytesIO:
    handle = io.BytesIO(path.read_bytes())
    handle.name = path.name
    return handle


def _pdf(tmp_path, name: str, text: str = "Compte rendu") -> io.BytesIO:
    return _file(make_pdf(tmp_path / name, text=text))


def _elf_as_pdf(tmp_path) -> io.BytesIO:
    return _file(make_elf(tmp_path / "facture.pdf"))


def _add(client, org, *files, htmx=False, **fields):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(f"/structures/{org.pk}/evidence/new/",
                       {**FIELDS, **fields, "files": list(files)},
                       HTTP_ACCEPT_LANGUAGE="fr", **headers)


def test_the_page_offers_a_labelled_file_input_that_takes_several_files(signed_in, org):
    text = _text(signed_in.get(f"/structures/{org.pk}/evidence/new/",
                               HTTP_ACCEPT_LANGUAGE="fr"))
    assert '<label for="add-files">' in text
    assert 'type="file" id="add-files" name="files" multiple required' in text
    assert 'enctype="multipart/form-data"' in text and "js/upload.js" in text


def test_two_files_sent_without_script_become_two_draft_items(signed_in, org, qm, tmp_path,
                                                             media_root):
    response = _add(signed_in, org, _pdf(tmp_path, "revue_de_direction.pdf"),
                    _pdf(tmp_path, "plan-formation.pdf", "Plan"))

    assert response.status_code == 302
    items = list(EvidenceItem.objects.filter(organization=org).order_by("pk"))
    assert [(item.title, item.status, item.kind) for item in items] == [
        ("revue de direction", EvidenceStatus.DRAFT, "record"),
        ("plan-formation", EvidenceStatus.DRAFT, "record")]
    assert [item.revisions.get().files.get().name for item in items] == [
        "revue_de_direction.pdf", "plan-formation.pdf"]
    assert len(stored_objects(media_root)) == 2
    assert AuditEvent.objects.filter(action="evidence.create", actor=qm).count() == 2
    page = _text(signed_in.get(response["Location"], HTTP_ACCEPT_LANGUAGE="fr"))
    for item in items:
        assert f'href="/evidence/{item.pk}/">{item.title}</a>' in page


def test_one_file_sent_by_the_script_answers_its_own_result(signed_in, org, tmp_path):
    response = _add(signed_in, org, _pdf(tmp_path, "rapport_annuel.pdf"), htmx=True,
                    title="Rapport annuel 2025")

    assert response.status_code == 201
    item = EvidenceItem.objects.get(organization=org)
    text = _text(response)
    assert '<ul class="upload-results">' in text and "<html" not in text
    assert f'<a href="/evidence/{item.pk}/">Rapport annuel 2025</a>' in text
    assert 'data-outcome="created"' in text and item.reference in text


def test_a_renamed_executable_is_refused_with_its_reason_and_code(signed_in, org, tmp_path,
                                                                 nothing_stored):
    response = _add(signed_in, org, _elf_as_pdf(tmp_path), htmx=True)

    assert response.status_code == 400
    text = _text(response)
    assert 'data-outcome="refused"' in text and "facture.pdf" in text
    assert "<code>content_type_not_allowed</code>" in text
    assert "Le contenu du fichier est d'un type qui n'est pas accepté." in text
    nothing_stored()


def test_without_script_one_refused_file_refuses_the_request_whole_with_each_reason(
        signed_in, org, tmp_path, nothing_stored):
    response = _add(signed_in, org, _pdf(tmp_path, "procedure.pdf"), _elf_as_pdf(tmp_path))

    assert response.status_code == 400
    text = _text(response)
    assert "La demande a été refusée en entier" in text and "Rien n’a été enregistré" in text
    assert "<code>content_type_not_allowed</code>" in text
    assert "procedure.pdf" in text and "Non enregistré" in text
    nothing_stored()


def test_a_file_already_held_links_to_its_item_and_can_be_kept_anyway(signed_in, api, org,
                                                                      evidence, tmp_path):
    pdf = make_pdf(tmp_path / "attestation.pdf")
    assert upload(api, evidence.pk, _file(pdf)).status_code == 201

    refused = _add(signed_in, org, _file(pdf), htmx=True)
    assert refused.status_code == 409
    text = _text(refused)
    assert 'data-outcome="duplicate"' in text and "Déjà dans le coffre" in text
    assert f'<a href="/evidence/{evidence.pk}/">{evidence.title}</a>' in text
    assert "Envoyer quand même" in text and "<code>duplicate_content</code>" in text
    assert EvidenceItem.objects.count() == 1

    kept = _add(signed_in, org, _file(pdf), htmx=True, allow_duplicate="true")
    assert kept.status_code == 201 and EvidenceItem.objects.count() == 2


def test_a_file_over_the_size_cap_is_refused_as_too_large(signed_in, org, tmp_path, settings,
                                                        nothing_stored):
    settings.UPLOAD_MAX_BYTES = 200
    response = _add(signed_in, org, _pdf(tmp_path, "gros.pdf"), htmx=True)

    assert response.status_code == 413
    assert "<code>file_too_large</code>" in _text(response)
    nothing_stored()


def test_a_body_over_every_cap_is_refused_before_it_is_read(signed_in, org, settings,
                                                           nothing_stored):
    settings.UPLOAD_MAX_BYTES, settings.UPLOAD_MAX_FILES = 10, 1
    big = io.BytesIO(b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024))
    big.name = "enorme.pdf"
    response = _add(signed_in, org, big)

    assert response.status_code == 413
    text = _text(response)
    assert "<code>request_too_large</code>" in text and "Rien n’a été enregistré" in text
    nothing_stored()


def test_without_script_a_field_error_is_shown_beside_its_field(signed_in, org, tmp_path,
                                                               nothing_stored):
    response = _add(signed_in, org, _pdf(tmp_path, "note.pdf"), valid_until="2026-01-01")

    assert response.status_code == 400
    text = _text(response)
    assert 'aria-describedby="add-validity-help add-valid-until-error" aria-invalid="true"' in text
    assert ('<ul class="errorlist" id="add-valid-until-error"><li>La fin de validité ne peut pas '
            "précéder la date d'effet.</li></ul>") in text
    nothing_stored()


def test_more_files_than_allowed_are_refused_with_the_limit(signed_in, org, tmp_path, settings,
                                                           nothing_stored):
    settings.UPLOAD_MAX_FILES = 1
    response = _add(signed_in, org, _pdf(tmp_path, "a.pdf"), _pdf(tmp_path, "b.pdf", "B"))

    assert response.status_code == 400
    text = _text(response)
    assert "<code>too_many_files</code>" in text and "Rien n’a été enregistré" in text
    nothing_stored()


def test_missing_fields_are_refused_with_the_serializer_message(signed_in, org, tmp_path,
                                                               nothing_stored):
    response = _add(signed_in, org, _pdf(tmp_path, "note.pdf"), htmx=True, effective_date="")

    assert response.status_code == 400
    assert "Date d'effet : La date n'a pas le bon format." in _text(response)
    nothing_stored()


@pytest.mark.parametrize(("role", "status"), [(Role.VIEWER, 403), (Role.CONTRIBUTOR, 201)])
def test_only_those_who_may_upload_add_evidence(client, member, org, tmp_path, media_root,
                                                role, status):
    client.force_login(member(role))
    assert client.get(f"/structures/{org.pk}/evidence/new/").status_code == (
        200 if status == 201 else 403)
    response = _add(client, org, _pdf(tmp_path, "charte.pdf"), htmx=True)
    assert response.status_code == status
    assert EvidenceItem.objects.count() == (1 if status == 201 else 0)


def test_another_structure_is_not_found(signed_in, other_org, tmp_path, nothing_stored):
    assert signed_in.get(f"/structures/{other_org.pk}/evidence/new/").status_code == 404
    assert _add(signed_in, other_org, _pdf(tmp_path, "x.pdf")).status_code == 404
    nothing_stored()


def test_a_post_without_the_csrf_token_is_refused(qm, org, tmp_path, nothing_stored):
    client = Client(enforce_csrf_checks=True)
    client.force_login(qm)
    client.get(f"/structures/{org.pk}/evidence/new/")  # sets the CSRF cookie
    response = _add(client, org, _pdf(tmp_path, "y.pdf"), htmx=True)
    assert response.status_code == 403
    nothing_stored()

    token = client.cookies["csrftoken"].value
    accepted = client.post(f"/structures/{org.pk}/evidence/new/",
                           {**FIELDS, "files": [_pdf(tmp_path, "y.pdf")]},
                           HTTP_X_CSRFTOKEN=token, HTTP_HX_REQUEST="true")
    assert accepted.status_code == 201


def test_the_structure_chooser_goes_straight_to_a_single_structure(client, qm, org, member):
    client.force_login(qm)
    assert client.get("/evidence/new/")["Location"] == f"/structures/{org.pk}/evidence/new/"
    second = OrganizationFactory(name="Atelier du Port", slug="atelier-du-port")
    MembershipFactory(user=qm, organization=second, role=Role.CONTRIBUTOR)
    text = _text(client.get("/evidence/new/"))
    assert f"/structures/{org.pk}/evidence/new/" in text and "Atelier du Port" in text
    client.force_login(member(Role.VIEWER))
    assert client.get("/evidence/new/").status_code == 403


def test_links_to_the_page_from_the_list_and_the_structure_home(client, qm, org, member):
    client.force_login(qm)
    assert 'href="/evidence/new/"' in _text(client.get("/evidence/"))
    home = _text(client.get(f"/structures/{org.pk}/"))
    assert f'href="/structures/{org.pk}/evidence/new/"' in home
    client.force_login(member(Role.VIEWER))
    assert "/evidence/new/" not in _text(client.get("/evidence/"))
    assert "evidence/new/" not in _text(client.get(f"/structures/{org.pk}/"))


def test_a_new_version_from_the_item_page(signed_in, org, evidence, tmp_path, qm):
    page = _text(signed_in.get(f"/evidence/{evidence.pk}/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Nouvelle version" in page and f"/evidence/{evidence.pk}/versions/new/" in page

    response = signed_in.post(f"/evidence/{evidence.pk}/versions/new/",
                              {"files": [_pdf(tmp_path, "v1.pdf"), _pdf(tmp_path, "v1b.pdf",
                                                                          "Annexe")],
                               "note": "Signée"}, HTTP_HX_REQUEST="true",
                              HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 201
    revision = Revision.objects.get(evidence=evidence)
    assert (revision.number, revision.note, revision.files.count()) == (1, "Signée", 2)
    assert _text(response).count("Conservé dans la version 1") == 2

    sent = signed_in.post(f"/evidence/{evidence.pk}/versions/new/",
                          {"files": [_pdf(tmp_path, "v2.pdf", "V2")]})
    assert sent.status_code == 302 and sent["Location"] == f"/evidence/{evidence.pk}/#versions"
    assert evidence.revisions.count() == 2


def test_a_new_version_is_refused_whole_with_each_reason(signed_in, evidence, tmp_path,
                                                        nothing_stored):
    response = signed_in.post(f"/evidence/{evidence.pk}/versions/new/",
                              {"files": [_pdf(tmp_path, "ok.pdf"), _elf_as_pdf(tmp_path)]},
                              HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    text = _text(response)
    assert "refusée en entier" in text and "<code>content_type_not_allowed</code>" in text
    assert "Non enregistré" in text
    nothing_stored()


def test_viewers_get_no_version_form_and_a_forged_post_is_refused(client, member, evidence,
                                                                  tmp_path, nothing_stored):
    client.force_login(member(Role.VIEWER))
    page = _text(client.get(f"/evidence/{evidence.pk}/"))
    assert "versions/new/" not in page
    response = client.post(f"/evidence/{evidence.pk}/versions/new/",
                           {"files": [_pdf(tmp_path, "z.pdf")]})
    assert response.status_code == 403
    nothing_stored()


def _holding(api, org, qm, count, pdf):
    for _index in range(count):
        item = EvidenceFactory(organization=org, created_by=qm)
        assert upload(api, item.pk, _file(pdf), allow_duplicate="true").status_code == 201
    return item


def test_the_item_page_names_the_other_items_holding_the_same_file_in_fixed_queries(
        signed_in, api, org, qm, tmp_path, django_assert_num_queries, media_root):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pdf = make_pdf(tmp_path / "registre.pdf")
    first = _holding(api, org, qm, 1, pdf)
    second = _holding(api, org, qm, 1, pdf)
    text = _text(signed_in.get(f"/evidence/{first.pk}/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Même fichier aussi dans" in text
    assert f'href="/evidence/{second.pk}/"><span class="ref">{second.reference}</span>' in text

    with CaptureQueriesContext(connection) as few:
        signed_in.get(f"/evidence/{first.pk}/")
    _holding(api, org, qm, 8, pdf)
    with CaptureQueriesContext(connection) as many:
        assert _text(signed_in.get(f"/evidence/{first.pk}/")).count(
            "/evidence/") > 9
    assert len(many) == len(few)
    assert StoredFile.objects.filter(sha256=first.revisions.get().files.get().sha256).count() == 10


def test_the_add_page_runs_the_same_queries_whatever_the_vault(signed_in, org, qm):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    shown = EvidenceFactory.create_batch(10, organization=org, created_by=qm)[:2]

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = signed_in.get(f"/structures/{org.pk}/evidence/new/",
                                     {"created": [item.pk for item in shown]})
            assert _text(response).count('data-outcome="created"') == 2
        return len(queries)

    small = count()
    EvidenceFactory.create_batch(190, organization=org, created_by=qm)
    assert count() == small
