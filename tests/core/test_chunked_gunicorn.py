"""A chunked request body sent straight to gunicorn (the production server, which de-chunks it
but passes no Content-Length to Django) is refused with its own code instead of reading as an
empty upload; a body with its length goes through as usual."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BODY = (b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\n"
        b"a\r\n--b--\r\n")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "audit_prep.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "--no-control-socket"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start")
        yield port
    finally:
        process.terminate()
        process.wait(10)


def _post(port: int, chunked: bool, language: str):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest("POST", "/api/v1/evidence/1/revisions/")
    connection.putheader("Content-Type", "multipart/form-data; boundary=b")
    connection.putheader("Accept-Language", language)
    if chunked:
        connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        connection.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY))
    else:
        connection.putheader("Content-Length", str(len(BODY)))
        connection.endheaders()
        connection.send(BODY)
    response = connection.getresponse()
    return response.status, response.getheader("Content-Type"), response.read().decode()


@pytest.mark.parametrize(("language", "words"), [("fr", "plusieurs morceaux"), ("en", "chunks")])
def test_a_chunked_body_gets_411_in_the_error_shape(server, language, words):
    status, content_type, body = _post(server, chunked=True, language=language)
    assert status == 411
    assert content_type == "application/json"
    assert '"code": "chunked_upload_not_supported"' in body and words in body


def test_a_body_with_its_length_reaches_the_api(server):
    status, _content_type, body = _post(server, chunked=False, language="en")
    assert status == 401 and '"not_authenticated"' in body
