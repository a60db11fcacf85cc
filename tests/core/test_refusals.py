"""Every refusal of an API request, including those Django makes before or around the API's views
(too many files or fields, bodies too large or chunked, CSRF, unknown addresses, malformed ids,
server errors), answers the one error shape with a stable code and a message in French or
English; nothing is stored."""

import io
import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from audit_prep.roles import Role
from evidence.models import EvidenceItem
from tests.conftest import upload

FR, EN = "fr", "en"


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["request_id"] == response["X-Request-ID"]
    return error


@pytest.fixture
def as_language(client_for, qm):
    """as_language(lang) -> the quality manager's API client speaking that language."""
    return lambda language: client_for(qm, language=language)


def files(count: int) -> list:
    parts = []
    for number in range(count):
        handle = io.BytesIO(f"note {number}\n".encode())
        handle.name = f"note-{number}.txt"
        parts.append(handle)
    return parts


@pytest.mark.parametrize(("language", "words"), [(FR, "Trop de fichiers"),
                                                 (EN, "Too many files")])
def test_101_files_are_refused_in_the_error_shape(as_language, evidence, nothing_stored,
                                                  language, words):
    response = as_language(language).post(f"/api/v1/evidence/{evidence.pk}/revisions/",
                                          {"files": files(101)}, format="multipart")
    error = error_of(response, 400, "too_many_files")
    assert words in error["message"] and "20" in error["message"]
    assert error["details"] == {"limit": 20}
    nothing_stored()


def test_upload_max_files_limits_the_number_of_files(api, evidence, settings, nothing_stored):
    settings.UPLOAD_MAX_FILES = 2  # Django's own count (DATA_UPLOAD_MAX_NUMBER_FILES) stays 20
    response = api.post(f"/api/v1/evidence/{evidence.pk}/revisions/", {"files": files(3)},
                        format="multipart")
    assert error_of(response, 400, "too_many_files")["details"] == {"limit": 2}
    nothing_stored()
    assert upload(api, evidence.pk, ("a.txt", b"a\n"), ("b.txt", b"b\n")).status_code == 201


def test_the_upload_cap_and_djangos_count_agree(settings):
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == settings.UPLOAD_MAX_FILES


@pytest.mark.parametrize(("language", "words"), [(FR, "Trop de champs"),
                                                 (EN, "Too many fields")])
def test_too_many_fields(as_language, evidence, settings, nothing_stored, language, words):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = {f"field{n}": "x" for n in range(11)}
    response = as_language(language).post(f"/api/v1/evidence/{evidence.pk}/revisions/",
                                          {**body, "files": files(1)}, format="multipart")
    assert words in error_of(response, 400, "too_many_fields")["message"]
    nothing_stored()


@pytest.mark.parametrize(("language", "words"), [(FR, "plus volumineuse"), (EN, "larger")])
def test_form_fields_too_large(as_language, evidence, settings, nothing_stored, language, words):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    response = as_language(language).post(
        f"/api/v1/evidence/{evidence.pk}/revisions/",
        {"note": "x" * (1024 * 1024 + 1), "files": files(1)}, format="multipart")
    assert words in error_of(response, 413, "request_too_large")["message"]
    nothing_stored()


@pytest.mark.parametrize(("language", "words"), [(FR, "en plusieurs morceaux"), (EN, "chunks")])
def test_a_chunked_body_is_refused_with_its_own_code(as_language, evidence, nothing_stored,
                                                     language, words):
    body = (b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\n"
            b"a\r\n--b--\r\n")
    response = as_language(language).generic(
        "POST", f"/api/v1/evidence/{evidence.pk}/revisions/", body,
        content_type="multipart/form-data; boundary=b", HTTP_TRANSFER_ENCODING="chunked",
        CONTENT_LENGTH="")
    assert words in error_of(response, 411, "chunked_upload_not_supported")["message"]
    nothing_stored()


@pytest.mark.parametrize(("language", "words"), [(FR, "contrôle CSRF"), (EN, "CSRF check")])
def test_a_csrf_failure_says_so(qm, evidence, language, words, org):
    client = APIClient(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(qm)
    response = client.post("/api/v1/evidence/", {"organization": org.pk, "title": "Plan",
                                                 "kind": "document"}, format="json")
    error = error_of(response, 403, "csrf_failed")
    assert words in error["message"] and "X-CSRFToken" in error["message"]
    assert "role" not in error["message"]
    assert EvidenceItem.objects.count() == 1


def test_with_its_token_a_session_write_passes(qm, org):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(qm)
    client.get("/api/auth/login/")  # sets the csrftoken cookie
    response = client.post("/api/v1/evidence/", {"organization": org.pk, "title": "Plan",
                                                 "kind": "document",
                                                 "effective_date": "2026-01-01"}, format="json",
                           HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert response.status_code == 201, response.content


def test_djangos_csrf_refusal_of_an_api_path_is_in_the_error_shape(rf):
    from audit_prep.api.refusals import csrf_failure

    response = csrf_failure(rf.post("/api/v1/evidence/"), reason="CSRF cookie not set.")
    assert response.status_code == 403
    error = json.loads(response.content)["error"]
    assert (error["code"], error["details"]) == ("csrf_failed", {"reason": "CSRF cookie not set."})


def test_the_sign_in_page_keeps_djangos_csrf_page():
    response = Client(enforce_csrf_checks=True).post("/api/auth/login/", {"username": "x"})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(("language", "words"), [(FR, "Aucune ressource"),
                                                 (EN, "Nothing was found")])
@pytest.mark.parametrize("path", ["/api/v1/nothing/", "/api/nothing", "/api/v1/evidence/1/x/"])
def test_unknown_api_paths_answer_json(as_language, path, language, words):
    response = as_language(language).get(path)
    assert words in error_of(response, 404, "not_found")["message"]


def test_unknown_pages_keep_html(client):
    response = client.get("/nothing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/api/v1/evidence/abc/", "/api/v1/evidence/-1/",
                                  "/api/v1/evidence/99999999999999999999999999/",
                                  "/api/v1/evidence/1e3/", "/api/v1/organizations/%20/"])
def test_malformed_ids_in_paths_are_not_found(api, evidence, path):
    error_of(api.get(path), 404, "not_found")


@pytest.mark.parametrize("value", ["abc", "99999999999999999999999999", "1.5", ""])
def test_malformed_ids_in_bodies_and_filters_are_field_errors(api, org, value):
    response = api.post("/api/v1/evidence/", {"organization": value, "title": "Plan",
                                              "kind": "document",
                                              "effective_date": "2026-01-01"}, format="json")
    error = error_of(response, 400, "validation_error")
    assert list(error["fields"]) == ["organization"]
    assert EvidenceItem.objects.count() == 0
    if value == "abc":
        response = api.get("/api/v1/evidence/", {"organization": value})
        assert "organization" in error_of(response, 400, "validation_error")["fields"]


@pytest.mark.parametrize(("language", "words"), [(FR, "non supporté"),
                                                 (EN, "Unsupported media type")])
def test_unsupported_media_type(as_language, org, language, words):
    response = as_language(language).generic("POST", "/api/v1/evidence/", "title=Plan",
                                             content_type="text/plain")
    assert words in error_of(response, 415, "unsupported_media_type")["message"]


@pytest.mark.parametrize(("language", "words"), [(FR, "non autorisée"), (EN, "not allowed")])
def test_method_not_allowed(as_language, evidence, language, words):
    response = as_language(language).delete(f"/api/v1/evidence/{evidence.pk}/")
    assert words in error_of(response, 405, "method_not_allowed")["message"]


def test_a_bad_host_on_an_api_path_is_a_400_in_the_error_shape(api):
    error = error_of(api.get("/api/v1/me/", HTTP_HOST="evil.example"), 400, "bad_request")
    assert "malformé" in error["message"]


def test_a_bad_host_on_a_page_keeps_html(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert not response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(("language", "words"), [(FR, "erreur inattendue"),
                                                 (EN, "unexpected error")])
def test_a_server_error_on_an_api_path_is_in_the_error_shape(qm, monkeypatch, language, words):
    from audit_prep.api import views

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views, "MeSerializer", broken)
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language, raise_request_exception=False)
    client.force_authenticate(qm)
    error = error_of(client.get("/api/v1/me/"), 500, "server_error")
    assert words in error["message"] and "a bug" not in error["message"]


def test_a_viewer_still_gets_permission_denied(client_for, member, org):
    viewer = member(Role.VIEWER, username="lectrice")
    response = client_for(viewer).post("/api/v1/evidence/", {
        "organization": org.pk, "title": "Plan", "kind": "document"}, format="json")
    assert "rôle" in error_of(response, 403, "permission_denied")["message"]


def test_djangos_403_handler_speaks_the_error_shape_under_the_api_only(rf):
    from django.core.exceptions import PermissionDenied

    from audit_prep.api.refusals import permission_denied

    api_answer = permission_denied(rf.get("/api/v1/evidence/"), PermissionDenied())
    assert api_answer.status_code == 403
    assert json.loads(api_answer.content)["error"]["code"] == "permission_denied"
    page_answer = permission_denied(rf.get("/admin/"), PermissionDenied())
    assert page_answer.status_code == 403
    assert page_answer["Content-Type"].startswith("text/html")
