"""Slow clients cannot hurt others (issue 11, item 1), against the production set-up that
docker/README.md documents, as far as it runs here: nginx configured from
docker/nginx/audit-prep.conf.template in front of gunicorn started by docker/entrypoint.sh's web
role (docker/gunicorn.conf.py), production settings, SQLite and local disk in a temporary folder.
The gunicorn worker timeout is 3 s here (60 s in production), so that a slow upload outlasts it
in seconds rather than minutes. bench/stack.py starts everything (shared with the benches).

Each guarantee is shown to fail without nginx in front: the same stalled connections freeze
gunicorn alone, the same slow upload is cut by gunicorn alone.

nginx is needed: `make test` installs Debian's package when it is missing and runs as root;
otherwise these tests skip with the reason, and fail under CI (CI=true).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import time
from pathlib import Path

import pytest

from bench import stack
from tests import filemakers

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

WORKERS = 2
WORKER_TIMEOUT = 3  # seconds
STALLED = 50


def require_nginx() -> None:
    if stack.nginx_binary() is None:
        reason = ("nginx is not installed (`make test` installs it as root: "
                  "apt-get install -y --no-install-recommends nginx)")
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: required)", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    require_nginx()
    data_dir = tmp_path_factory.mktemp("stack")
    env = stack.production_env(data_dir)
    (account,) = stack.prepare(env, users=1, items=3)
    with stack.running(env, data_dir, workers=WORKERS, timeout=WORKER_TIMEOUT) as running:
        yield running, account, Path(env["DATA_DIR"]) / "files"


def healthz_seconds(port: int, timeout: float = 5) -> float:
    started = time.monotonic()
    status, body, _ = stack.request(port, "GET", "/healthz", timeout=timeout)
    assert status == 200, body
    return time.monotonic() - started


@contextlib.contextmanager
def stalled(port: int, count: int):
    sockets = stack.stall(port, count)
    try:
        time.sleep(0.5)  # every one accepted and waiting
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def revisions(running, account, evidence_id: int) -> list[dict]:
    status, body, _ = stack.request(
        running.port, "GET", f"/api/v1/evidence/{evidence_id}/revisions/",
        headers={"Authorization": f"Token {account['token']}", "Accept": "application/json"})
    assert status == 200, body
    payload = json.loads(body)
    return payload["results"] if isinstance(payload, dict) else payload


def unique_pdf(tmp_path: Path, size: int) -> bytes:
    path = filemakers.make_large_pdf(tmp_path / "attestation.pdf", size)
    return path.read_bytes()


def test_fifty_stalled_connections_leave_healthz_answering_through_nginx(app):
    running, _, _ = app
    with stalled(running.port, STALLED):
        seconds = [healthz_seconds(running.port) for _ in range(10)]
    assert max(seconds) < 1.0, seconds


def test_without_nginx_as_many_stalled_connections_as_workers_freeze_gunicorn(app):
    running, _, _ = app
    gunicorn_port = running.gunicorn.port
    with stalled(gunicorn_port, WORKERS), pytest.raises(socket.timeout):
        stack.request(gunicorn_port, "GET", "/healthz", timeout=1)
    # Closed connections free the workers (or their timeout replaced them).
    deadline = time.monotonic() + 20
    while True:
        with contextlib.suppress(OSError):
            healthz_seconds(gunicorn_port, timeout=2)
            break
        assert time.monotonic() < deadline, "gunicorn did not recover"


def test_an_upload_slower_than_the_worker_timeout_succeeds_through_nginx(app, tmp_path):
    running, account, media_root = app
    evidence_id = account["evidence"][0]
    data = unique_pdf(tmp_path, 160 * 1024)
    seconds = WORKER_TIMEOUT + 2

    answer = stack.slow_upload(running.port, account["token"], evidence_id, "attestation.pdf",
                               data, bytes_per_second=len(data) / seconds)

    assert answer.seconds > WORKER_TIMEOUT + 1, answer
    assert answer.status == 201, answer.payload
    digest = hashlib.sha256(data).hexdigest()
    assert [f["sha256"] for f in answer.payload["files"]] == [digest]
    assert stack.stored_digest(media_root, account["organization"], digest) == digest
    assert len(revisions(running, account, evidence_id)) == 1


def test_without_nginx_the_same_slow_upload_is_cut_by_the_worker_timeout(app, tmp_path):
    running, account, media_root = app
    evidence_id = account["evidence"][1]
    data = unique_pdf(tmp_path, 160 * 1024)
    seconds = WORKER_TIMEOUT + 2

    answer = stack.slow_upload(running.gunicorn.port, account["token"], evidence_id,
                               "attestation.pdf", data, bytes_per_second=len(data) / seconds)

    assert answer.status != 201, answer
    digest = hashlib.sha256(data).hexdigest()
    assert stack.stored_digest(media_root, account["organization"], digest) is None
    assert revisions(running, account, evidence_id) == []


@pytest.mark.parametrize(("language", "message"), [
    ("fr-FR,fr;q=0.9", "La requête dépasse les 1001 Mo autorisés."),
    ("en-GB,en;q=0.8", "The request is larger than the 1001 MB allowed."),
])
def test_a_body_over_the_cap_is_refused_by_nginx_in_the_error_shape(app, language, message):
    running, account, _ = app
    status, body, headers = stack.request(
        running.port, "POST", f"/api/v1/evidence/{account['evidence'][2]}/revisions/", b"x",
        headers={"Content-Length": str(1001 * 1024 * 1024 + 1), "Accept-Language": language,
                 "Authorization": f"Token {account['token']}",
                 "Content-Type": "multipart/form-data; boundary=x"})
    assert status == 413
    assert headers["content-type"].startswith("application/json")
    error = json.loads(body)["error"]
    assert (error["code"], error["message"]) == ("request_too_large", message)


def test_an_unreachable_app_answers_502_in_the_error_shape(tmp_path):
    require_nginx()
    closed = stack.free_port()  # nothing listens there
    nginx = stack.Nginx(tmp_path / "nginx", stack.free_port(), closed)
    nginx.start()
    try:
        status, body, headers = stack.request(nginx.port, "GET", "/healthz",
                                              headers={"Accept-Language": "en"})
    finally:
        nginx.stop()
    assert status == 502
    assert headers["content-type"].startswith("application/json")
    assert headers["content-language"] == "en"
    assert json.loads(body)["error"]["code"] == "service_unavailable"
