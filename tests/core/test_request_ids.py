"""The request id in the audit trail is the server's; a client's X-Request-ID is kept beside it,
filterable and logged, never in its place."""

import logging

import pytest

from audit_prep.models import AuditEvent
from audit_prep.request_id import RequestIdLogFilter, reset_request_id, set_request_id


@pytest.fixture
def patch_title(api, evidence):
    def send(title="Plan 2026", **headers):
        return api.patch(f"/api/v1/evidence/{evidence.pk}/", {"title": title}, format="json",
                         **headers)

    return send


def test_a_client_id_is_kept_beside_the_servers(patch_title):
    response = patch_title(HTTP_X_REQUEST_ID="app-7f3.42:retry-1")
    assert response.status_code == 200
    server_id = response["X-Request-ID"]
    assert server_id != "app-7f3.42:retry-1" and len(server_id) == 32
    event = AuditEvent.objects.get(action="evidence.update")
    assert (event.request_id, event.client_request_id) == (server_id, "app-7f3.42:retry-1")


def test_a_client_cannot_choose_the_servers_id(patch_title):
    first = patch_title(HTTP_X_REQUEST_ID="same")
    second = patch_title("Plan 2027", HTTP_X_REQUEST_ID="same")
    assert first["X-Request-ID"] != second["X-Request-ID"]
    events = AuditEvent.objects.filter(action="evidence.update")
    assert {e.request_id for e in events} == {first["X-Request-ID"], second["X-Request-ID"]}


@pytest.mark.parametrize("sent", ["x" * 65, "two words", "id\nforged log line", "é-accent",
                                  "<script>"])
def test_a_malformed_client_id_is_not_kept(patch_title, sent):
    response = patch_title(HTTP_X_REQUEST_ID=sent)
    assert response.status_code == 200
    assert len(response["X-Request-ID"]) == 32
    assert AuditEvent.objects.get(action="evidence.update").client_request_id == ""


def test_audit_events_filter_by_client_id(api, patch_title, org):
    patch_title(HTTP_X_REQUEST_ID="mine-1")
    patch_title("Plan 2027", HTTP_X_REQUEST_ID="mine-2")
    body = api.get("/api/v1/audit-events/", {"client_request_id": "mine-2"}).json()
    assert [e["client_request_id"] for e in body["results"]] == ["mine-2"]
    assert body["results"][0]["request_id"] != "mine-2"


def test_log_lines_carry_both_ids(settings):
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Collect()
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"]))
    logger = logging.getLogger("tests.request_ids")
    logger.addHandler(handler)
    token = set_request_id("0123abcd", "client-abc")
    try:
        logger.warning("refused")
    finally:
        reset_request_id(token)
        logger.removeHandler(handler)
    assert "[request 0123abcd client client-abc task -] refused" in lines[0]
