"""nginx in front of gunicorn (docker/nginx/, docker/gunicorn.conf.py, the `nginx` service of
docker/compose.yaml) checked against the settings, without Docker: the body cap equals the app's
request cap, the proxy header is the one DJANGO_PROXY_SSL_HEADER names, bodies are buffered with
read timeouts, each of nginx's own error pages is the app's error shape in French and English,
and the rendered configuration passes `nginx -t` (when nginx is installed; required under CI).
What these settings do to slow clients is tested live in tests/integration/test_slow_clients.py.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from bench import stack
from tests.test_docker import (
    DOCKER_DIR,
    app_environment,
    copy_instructions,
    interpolate,
    output,
    raw_environment,
    run,
    services,
    stages,
    subprocess_environment,
)

TEMPLATE = DOCKER_DIR / "nginx" / "audit-prep.conf.template"
ERRORS = DOCKER_DIR / "nginx" / "errors"
GUNICORN_CONF = DOCKER_DIR / "gunicorn.conf.py"
LANGUAGES = ("fr", "en")
SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


@cache
def directives() -> list[tuple[str, str]]:
    """(name, arguments) of every simple directive of the template, comments dropped."""
    text = "\n".join(line.split("#", 1)[0] for line in TEMPLATE.read_text().splitlines())
    return [(m[1], m[2].strip()) for m in re.finditer(r"^\s*([a-z_]+)\s+([^;{}]*);", text, re.M)]


def directive(name: str) -> list[str]:
    return [arguments for found, arguments in directives() if found == name]


def seconds(value: str) -> int:
    match = re.fullmatch(r"(\d+)(s|m)?", value)
    assert match, value
    return int(match[1]) * (60 if match[2] == "m" else 1)


@cache
def web_settings(tmp_dir: str) -> dict:
    """What the web container's settings give for the request cap and the proxy header."""
    probe = ("import json, django; django.setup(); from django.conf import settings; "
             "from evidence.upload_handlers import request_size_limit; "
             "print(json.dumps({'limit': request_size_limit(), "
             "'header': settings.SECURE_PROXY_SSL_HEADER}))")
    result = run([sys.executable, "-c", probe], subprocess_environment("web", Path(tmp_dir)))
    assert result.returncode == 0, output(result)
    return json.loads(result.stdout.strip().splitlines()[-1])


def gunicorn_settings(**env: str) -> dict:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return runpy.run_path(str(GUNICORN_CONF))
    finally:
        os.environ.clear()
        os.environ.update(saved)


# === compose ===================================================================================


def test_nginx_is_the_only_way_in_and_runs_a_pinned_official_image():
    nginx, web = services()["nginx"], services()["web"]
    assert re.fullmatch(r"nginx:\d+\.\d+\.\d+-alpine", nginx["image"]), nginx["image"]
    assert nginx["ports"] == ["8000:8000"]
    assert "ports" not in web and [str(port) for port in web["expose"]] == ["8000"]
    assert nginx["depends_on"]["web"]["condition"] == "service_started"
    assert "/healthz" in " ".join(nginx["healthcheck"]["test"])


def test_nginx_gets_the_template_and_its_values():
    env = {name: interpolate(value) for name, value in raw_environment("nginx").items()}
    mounts = dict(str(volume).rsplit(":", 2)[:2] for volume in services()["nginx"]["volumes"])
    assert mounts["./nginx/audit-prep.conf.template"] == (
        "/etc/nginx/templates/default.conf.template")  # replaces the image's default server
    assert mounts["./nginx/errors"] == env["AUDIT_PREP_ERRORS"]
    placeholders = set(re.findall(r"\$\{([A-Z_]+)\}", TEMPLATE.read_text()))
    assert placeholders == {"AUDIT_PREP_UPSTREAM", "AUDIT_PREP_LISTEN", "AUDIT_PREP_ERRORS"}
    assert placeholders <= set(env)
    assert all(re.match(env["NGINX_ENVSUBST_FILTER"], name) for name in placeholders)
    # nginx listens where compose publishes; the upstream is gunicorn's default bind in web.
    assert nginx_published_port() == env["AUDIT_PREP_LISTEN"]
    bind_port = gunicorn_settings(GUNICORN_BIND="")["bind"][0].rsplit(":", 1)[1]
    assert env["AUDIT_PREP_UPSTREAM"] == f"web:{bind_port}"


def nginx_published_port() -> str:
    return str(services()["nginx"]["ports"][0]).rsplit(":", 1)[1]


def test_the_image_carries_the_gunicorn_settings_the_entrypoint_names():
    copied = {d: s for f, sources, d in copy_instructions(stages()[-1]) for s in sources}
    assert copied["./docker/gunicorn.conf.py"] == "docker/gunicorn.conf.py"


# === the template against the settings ==========================================================


def test_body_cap_equals_the_apps_request_cap(tmp_path):
    (cap,) = directive("client_max_body_size")
    match = re.fullmatch(r"(\d+)([kmg]?)", cap.lower())
    assert match, cap
    limit = web_settings(str(tmp_path))["limit"]
    assert int(match[1]) * SIZE_UNITS[match[2]] == limit
    for language in LANGUAGES:
        error = json.loads((ERRORS / language / "413.json").read_text())["error"]
        assert error["details"]["limit_bytes"] == limit
        assert str(limit // 1024**2) in error["message"]


def test_forwarded_headers_agree_with_the_proxy_ssl_header_setting(tmp_path):
    headers = dict(arguments.split(None, 1) for arguments in directive("proxy_set_header"))
    setting = web_settings(str(tmp_path))["header"]
    proto = [name for name, value in headers.items() if value == "$scheme"]
    assert setting == ["HTTP_" + proto[0].upper().replace("-", "_"), "https"], (proto, setting)
    assert "DJANGO_PROXY_SSL_HEADER" not in app_environment("web")  # the default header
    assert headers["Host"] == "$http_host"
    # The client's address as nginx saw it: a client-sent X-Forwarded-For is not passed on.
    assert headers["X-Forwarded-For"] == "$remote_addr"


def test_bodies_are_buffered_and_slow_clients_timed_out():
    assert directive("proxy_request_buffering") == ["on"]
    assert directive("proxy_buffering") == ["on"]
    assert directive("proxy_pass") == ["http://audit_prep_web"]
    for name in ("client_header_timeout", "client_body_timeout", "send_timeout"):
        (value,) = directive(name)
        assert 1 <= seconds(value) <= 60, (name, value)
    # The worker's timeout cuts first (nginx then answers its 502 page), not nginx's.
    (read_timeout,) = directive("proxy_read_timeout")
    assert gunicorn_settings(GUNICORN_TIMEOUT="")["timeout"] < seconds(read_timeout)
    assert "proxy_intercept_errors" not in dict(directives())  # the app's errors pass as they are


def test_every_error_page_answers_the_error_shape_in_both_languages():
    pages = directive("error_page")
    statuses = set()
    for arguments in pages:
        *codes, uri = arguments.split()
        assert uri.startswith("/_errors/$audit_prep_error_language/"), uri
        name = uri.rsplit("/", 1)[1]
        statuses.update(code for code in codes if not code.startswith("="))
        errors = {}
        for language in LANGUAGES:
            path = ERRORS / language / name
            errors[language] = json.loads(path.read_text(encoding="utf-8"))
            assert set(errors[language]) == {"error"}
            error = errors[language]["error"]
            assert re.fullmatch(r"[a-z_]+", error["code"]), path
            assert error["message"].strip(), path
        assert errors["fr"]["error"]["code"] == errors["en"]["error"]["code"]
        assert errors["fr"]["error"]["message"] != errors["en"]["error"]["message"]
    assert {"408", "413", "502", "504"} <= statuses
    shipped = {path.name for path in (ERRORS / "fr").iterdir()}
    assert shipped == {arguments.split()[-1].rsplit("/", 1)[1] for arguments in pages}
    assert shipped == {path.name for path in (ERRORS / "en").iterdir()}


def test_rendered_configuration_passes_nginx_t(tmp_path):
    binary = stack.nginx_binary()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is not installed (CI=true: required)", pytrace=False)
        pytest.skip("nginx is not installed (`make test` installs it as root)")
    site = tmp_path / "audit-prep.conf"
    # nginx resolves the upstream at load time: `web` exists inside compose only.
    site.write_text(stack.render_nginx_site("127.0.0.1:8000", 8000))
    config = tmp_path / "nginx.conf"
    config.write_text(stack.nginx_main_config(tmp_path, site))
    result = subprocess.run([binary, "-t", "-e", str(tmp_path / "error.log"), "-p", str(tmp_path),
                             "-c", str(config)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


# === gunicorn ==================================================================================


def test_each_gunicorn_worker_sets_its_start_up_objects_aside_from_the_collector():
    """After loading the app, a worker freezes its heap, so that full garbage collections scan
    only what requests create (the checklist page's median at 10,000 items: bench/pages.py)."""
    import gc

    hook = gunicorn_settings()["post_worker_init"]
    try:
        hook(worker=None)
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()


def test_gunicorn_settings_read_the_environment_strictly():
    defaults = gunicorn_settings(GUNICORN_BIND="", WEB_CONCURRENCY="", GUNICORN_TIMEOUT="")
    assert (defaults["bind"], defaults["workers"], defaults["timeout"]) == (
        ["0.0.0.0:8000"], 3, 60)
    assert defaults["worker_class"] == "sync"
    assert defaults["wsgi_app"] == "audit_prep.wsgi:application"
    given = gunicorn_settings(GUNICORN_BIND="127.0.0.1:9", WEB_CONCURRENCY="5",
                              GUNICORN_TIMEOUT="7")
    assert (given["bind"], given["workers"], given["timeout"]) == (["127.0.0.1:9"], 5, 7)
    for bad in ("0", "-1", "3s", "abc"):
        with pytest.raises(SystemExit, match="GUNICORN_TIMEOUT"):
            gunicorn_settings(GUNICORN_TIMEOUT=bad)
