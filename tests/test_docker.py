"""The container files (docker/) checked against the settings, without a Docker engine.

docker/compose.yaml is parsed with PyYAML (anchors and `<<` merge keys resolved as Compose does),
its `${VAR:?msg}` / `${VAR:-default}` interpolations are treated as set (a dummy value, or the
default), and the resulting environment of web, worker and beat is compared with the variables
that audit_prep/settings.py reads, then loaded for real in subprocesses: the settings import,
the backends they name can be instantiated, and `manage.py check --deploy` is run. The Dockerfile
and the entrypoint are read the same way: every file they name exists, the build-time
collectstatic step runs with the build-time environment, the healthcheck command answers.
Nothing here needs PostgreSQL, Redis, MinIO or Docker to be up.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import stat
import subprocess
import sys
import threading
import tomllib
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCKER_DIR = ROOT / "docker"
COMPOSE_FILE = DOCKER_DIR / "compose.yaml"
DOCKERFILE = DOCKER_DIR / "Dockerfile"
ENTRYPOINT = DOCKER_DIR / "entrypoint.sh"
SETTINGS_FILE = ROOT / "audit_prep" / "settings.py"

BRIEF_SERVICES = ("nginx", "web", "worker", "beat", "postgres", "redis", "s3")
APP_SERVICES = ("web", "worker", "beat")
ROLES = {"web": "web", "worker": "worker", "beat": "beat"}

# What the production checks (audit_prep/checks.py) and a multi-container deployment need on
# top of the variables the settings read without a default. With STORAGE_BACKEND=s3 the AWS_*
# variables the settings read are added too (see `required_variables`), except AWS_LOCATION: an
# optional key prefix inside the bucket ("" = the bucket's root).
PRODUCTION_VARIABLES = {
    "DJANGO_DEBUG",  # given explicitly, and "false"
    "DJANGO_SECRET_KEY",  # default "" is refused outside debug
    "DJANGO_ALLOWED_HOSTS",  # default [] outside debug: every request would be refused
    "DATABASE_URL",  # audit_prep.W001 (SQLite)
    "CELERY_BROKER_URL",  # audit_prep.W002 (filesystem broker)
    "EMAIL_URL",  # audit_prep.W004 (console backend)
    "CACHE_URL",  # per-process locmem cache otherwise
    "STORAGE_BACKEND",  # audit_prep.W005 (local disk with a Redis broker)
}
OPTIONAL_AWS_VARIABLES = {"AWS_LOCATION"}
# Variables the entrypoint (not the settings) reads.
ENTRYPOINT_VARIABLES = {
    "MIGRATE_ON_START",
    "WEB_CONCURRENCY",
    "WORKER_CONCURRENCY",
    "DB_WAIT_TRIES",
    "DJANGO_SETTINGS_MODULE",
    "GUNICORN_BIND",  # docker/gunicorn.conf.py
    "GUNICORN_TIMEOUT",
}
# Where each service-facing URL of the app environment must point: (variable, compose service).
SERVICE_URLS = [
    ("DATABASE_URL", "postgres"),
    ("CELERY_BROKER_URL", "redis"),
    ("CACHE_URL", "redis"),
    ("AWS_S3_ENDPOINT_URL", "s3"),
    ("EMAIL_URL", "mailpit"),
]
# The compose stack serves plain HTTP on a local port, so DJANGO_SECURE_SSL_REDIRECT=false and it
# acknowledges security.W008 and audit_prep.W007 (http:// SITE_URL) through
# DJANGO_SILENCED_SYSTEM_CHECKS; nothing else may be reported.


# --- Compose ------------------------------------------------------------------------------------


@cache
def compose() -> dict:
    # safe_load resolves anchors, aliases and `<<` merge keys, as Compose does.
    return yaml.safe_load(COMPOSE_FILE.read_text())


def services() -> dict:
    return compose()["services"]


def raw_environment(service: str) -> dict[str, str]:
    """The service's environment as written (list or mapping form), interpolations unresolved."""
    env = services()[service].get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) if "=" in item else (item, "") for item in env)
        env = dict(pairs)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[^}]*)\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)
_BRACED = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?", re.S)


@cache
def dummy(name: str) -> str:
    # Long and random enough to pass as a production secret key (Django's W009: 50+ characters,
    # 5+ distinct ones), plain enough for a URL.
    return f"dummy-{name.lower().replace('_', '-')}-{secrets.token_hex(24)}"


def interpolate(value: str) -> str:
    """Compose interpolation with every variable treated as set: `${VAR:-default}` gives the
    default, `${VAR:?msg}` / `${VAR}` / `$VAR` a dummy value, `$$` a literal `$`."""

    def replace(match: re.Match) -> str:
        if match["escaped"]:
            return "$"
        if match["named"]:
            return dummy(match["named"])
        braced = _BRACED.fullmatch(match["braced"])
        assert braced, f"unreadable interpolation {match[0]!r}"
        op, arg = braced["op"], braced["arg"]
        if op in (":-", "-"):
            return interpolate(arg)
        if op in (":+", "+"):
            return interpolate(arg)
        return dummy(braced["name"])  # ":?", "?" (compose refuses to start when unset), or none

    return _INTERPOLATION.sub(replace, value)


def app_environment(service: str = "web") -> dict[str, str]:
    return {name: interpolate(value) for name, value in raw_environment(service).items()}


# --- Settings -----------------------------------------------------------------------------------

# env.<type>("NAME" ...: the name, then what follows it: ")" (no default), a keyword argument
# (a default only if it is `default=`), or a positional default.
_ENV_CALL = re.compile(
    r"""\benv\.(?P<type>\w+)\(\s*(?P<q>["'])(?P<name>[A-Z][A-Z0-9_]*)(?P=q)\s*"""
    r"""(?P<next>\)|,\s*(?:(?P<kw>\w+)\s*=(?!=))?)"""
)


@cache
def settings_reads() -> dict[str, bool]:
    """{variable: has a default} for every env.<type>("NAME") call in audit_prep/settings.py."""
    reads: dict[str, bool] = {}
    for match in _ENV_CALL.finditer(SETTINGS_FILE.read_text()):
        no_default = match["next"] == ")" or (match["kw"] is not None and match["kw"] != "default")
        reads[match["name"]] = reads.get(match["name"], False) or not no_default
    return reads


def required_variables() -> set[str]:
    reads = settings_reads()
    without_default = {name for name, has_default in reads.items() if not has_default}
    aws = {name for name in reads if name.startswith("AWS_")} - OPTIONAL_AWS_VARIABLES
    return without_default | PRODUCTION_VARIABLES | aws


def subprocess_environment(service: str, data_dir: Path, **overrides: str) -> dict[str, str]:
    """Exactly the compose environment of `service` (plus what any process needs: PATH, and the
    image's DJANGO_SETTINGS_MODULE), with DATA_DIR in a temporary folder."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    env.update(app_environment(service))
    env["DJANGO_SETTINGS_MODULE"] = "audit_prep.settings"
    env["DATA_DIR"] = str(data_dir)
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(  # fixed argv
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def output(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


# --- Dockerfile ---------------------------------------------------------------------------------


@cache
def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), comments and parser directives dropped, continuations joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if line.startswith("#") or (not line and not pending):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        pending += line
        if pending.strip():
            keyword, _, arguments = pending.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends with a line continuation"
    return instructions


def stages() -> list[list[tuple[str, str]]]:
    """The instructions of each build stage, each starting with its FROM."""
    result: list[list[tuple[str, str]]] = []
    for instruction in dockerfile_instructions():
        if instruction[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def global_args() -> dict[str, str]:
    args = {}
    for keyword, arguments in dockerfile_instructions():
        if keyword == "FROM":
            break
        if keyword == "ARG":
            name, _, value = arguments.partition("=")
            args[name] = value.strip('"')
    return args


def copy_instructions(stage) -> list[tuple[dict[str, str], list[str], str]]:
    """(flags, sources, destination) of every COPY/ADD of a stage."""
    copies = []
    for keyword, arguments in stage:
        if keyword not in ("COPY", "ADD"):
            continue
        words = shlex.split(arguments)
        flags = {}
        while words and words[0].startswith("--"):
            name, _, value = words.pop(0)[2:].partition("=")
            flags[name] = value
        if words and words[0].startswith("["):
            words = json.loads(" ".join(words))
        copies.append((flags, words[:-1], words[-1]))
    return copies


def env_instructions(stage) -> dict[str, str]:
    env = {}
    for keyword, arguments in stage:
        if keyword == "ENV":
            for word in shlex.split(arguments):
                name, _, value = word.partition("=")
                env[name] = value
    return env


def build_context() -> Path:
    return (COMPOSE_FILE.parent / services()["web"]["build"]["context"]).resolve()


def healthcheck_argv() -> list[str]:
    (arguments,) = [a for k, a in dockerfile_instructions() if k == "HEALTHCHECK"]
    exec_form = re.search(r"\bCMD\s+(\[.*\])\s*$", arguments)
    assert exec_form, f"HEALTHCHECK should use the exec form: {arguments}"
    return json.loads(exec_form.group(1))


# === (a) services ===============================================================================


def test_compose_declares_the_services_of_the_brief():
    assert "version" not in compose(), "Compose Specification: no `version:` key"
    missing = [name for name in BRIEF_SERVICES if name not in services()]
    assert not missing, f"services missing from compose.yaml: {missing}"
    assert {"createbucket", "mailpit"} <= set(services())


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_build_one_image_and_choose_their_role(service):
    definition = services()[service]
    assert definition["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"}
    assert definition["image"] == services()["web"]["image"], "one image for all roles"
    command = definition["command"]
    command = shlex.split(command) if isinstance(command, str) else command
    assert command[0] == ROLES[service]


def test_nginx_publishes_port_8000_and_backing_services_are_as_briefed():
    # web is reached through nginx only (tests/test_docker_nginx.py).
    assert "8000:8000" in [str(port) for port in services()["nginx"]["ports"]]
    assert "ports" not in services()["web"]
    assert services()["postgres"]["image"].startswith("postgres:16")
    assert services()["redis"]["image"].startswith("redis:7")
    assert services()["s3"]["image"].split(":")[0] == "minio/minio"
    assert services()["createbucket"]["image"].split(":")[0] == "minio/mc"
    assert services()["mailpit"]["image"].split(":")[0] == "axllent/mailpit"
    assert "8025:8025" in [str(port) for port in services()["mailpit"]["ports"]]
    s3_command = services()["s3"]["command"]
    s3_command = " ".join(s3_command) if isinstance(s3_command, list) else s3_command
    assert s3_command == "server /data --console-address :9001"


def test_stateful_services_keep_their_data_in_named_volumes():
    declared = set(compose().get("volumes") or {})
    for service, path in (("postgres", "/var/lib/postgresql/data"), ("s3", "/data")):
        mounts = [str(volume).split(":") for volume in services()[service].get("volumes", [])]
        named = [source for source, target, *_ in mounts if target == path]
        assert named and named[0] in declared, f"{service}: {path} is not on a named volume"
    for service, definition in services().items():
        for volume in definition.get("volumes", []):
            source = str(volume).split(":")[0]
            if source.startswith((".", "/", "~")):
                assert (COMPOSE_FILE.parent / source).exists(), f"{service}: {source} is missing"
            else:
                assert source in declared, f"{service}: volume {source!r} is not declared"


# === (b) the app environment against the settings ===============================================


def test_settings_scan_finds_the_variables():
    # Guards the regex: a settings rewrite that it no longer reads must fail here, not pass (b).
    reads = settings_reads()
    assert set(reads) >= PRODUCTION_VARIABLES, sorted(PRODUCTION_VARIABLES - set(reads))
    assert reads["AWS_STORAGE_BUCKET_NAME"] is False  # read without a default under s3
    assert reads["DATABASE_URL"] is True  # default= keyword
    assert reads["DATA_DIR"] is True  # positional default
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_S3_ENDPOINT_URL"} <= set(reads)


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_environment_gives_every_variable_production_requires(service):
    environment = raw_environment(service)
    missing = sorted(required_variables() - set(environment))
    assert not missing, f"{service}: variables the production settings need are missing: {missing}"
    empty = sorted(name for name in required_variables() if not app_environment(service)[name])
    assert not empty, f"{service}: empty values: {empty}"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_environment_names_only_variables_something_reads(service):
    unknown = set(raw_environment(service)) - set(settings_reads()) - ENTRYPOINT_VARIABLES
    assert not unknown, f"{service}: read by neither the settings nor the entrypoint: {unknown}"


def test_web_worker_and_beat_share_one_environment():
    assert raw_environment("web") == raw_environment("worker") == raw_environment("beat")


def test_app_environment_values():
    raw = raw_environment("web")
    env = app_environment("web")
    assert env["DJANGO_DEBUG"] == "false"
    assert env["STORAGE_BACKEND"] == "s3"
    assert env["DJANGO_SECURE_SSL_REDIRECT"] == "false"
    assert env["AWS_S3_ADDRESSING_STYLE"] == "path"
    assert env["DATA_DIR"] == "/tmp/audit-prep"  # a scratch folder in the container
    # compose must refuse to start without a secret key: `${DJANGO_SECRET_KEY:?message}`.
    assert re.fullmatch(r"\$\{DJANGO_SECRET_KEY:\?[^}]+\}", raw["DJANGO_SECRET_KEY"])
    for variable, service in SERVICE_URLS:
        assert service in services(), f"{variable} points at {service}, which is not a service"
        assert urlsplit(env[variable]).hostname == service, f"{variable}={env[variable]}"
    assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert env["CACHE_URL"] == "redis://redis:6379/1"
    assert env["AWS_S3_ENDPOINT_URL"] == "http://s3:9000"
    assert urlsplit(env["EMAIL_URL"]).scheme == "smtp"
    assert urlsplit(env["SITE_URL"]).port == 8000
    origin = f"{urlsplit(env['SITE_URL']).scheme}://{urlsplit(env['SITE_URL']).netloc}"
    assert origin in env["DJANGO_CSRF_TRUSTED_ORIGINS"].split(",")
    assert urlsplit(env["SITE_URL"]).hostname in env["DJANGO_ALLOWED_HOSTS"].split(",")


def test_s3_and_database_credentials_match_their_servers():
    app = app_environment("web")
    minio = {k: interpolate(v) for k, v in raw_environment("s3").items()}
    job = {k: interpolate(v) for k, v in raw_environment("createbucket").items()}
    assert app["AWS_ACCESS_KEY_ID"] == minio["MINIO_ROOT_USER"] == job["MINIO_ROOT_USER"]
    secret = app["AWS_SECRET_ACCESS_KEY"]
    assert secret == minio["MINIO_ROOT_PASSWORD"] == job["MINIO_ROOT_PASSWORD"]
    assert len(minio["MINIO_ROOT_PASSWORD"]) >= 8, "MinIO refuses shorter root passwords"
    assert job["BUCKET"] == app["AWS_STORAGE_BUCKET_NAME"]

    postgres = {k: interpolate(v) for k, v in raw_environment("postgres").items()}
    url = urlsplit(app["DATABASE_URL"])
    assert url.scheme in ("postgres", "postgresql")
    assert (url.username, url.password, url.port) == (
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
        5432,
    )
    assert url.path.lstrip("/") == postgres["POSTGRES_DB"]


def test_createbucket_job_creates_the_bucket():
    job = services()["createbucket"]
    entrypoint = job["entrypoint"]
    assert entrypoint[:2] == ["/bin/sh", "-c"]
    command = job["command"]
    script = command[0] if isinstance(command, list) else command
    assert "mc alias set" in script and "mc mb --ignore-existing" in script
    assert "http://s3:9000" in script
    # What the container's shell receives once compose has turned `$$` into `$`.
    shell_script = script.replace("$$", "$")
    assert "$BUCKET" in shell_script
    result = subprocess.run(
        ["/bin/sh", "-n", "-c", shell_script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert str(job.get("restart", "no")) == "no"


# === (c) the settings load, and pass the deployment checks =====================================

_PROBE = r"""
import json, sys
import django
django.setup()
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import storages
from django.core.mail import get_connection
from django.db import connections
from django.test import Client

import workers.config
from audit_prep.celery import app

host = sys.argv[1]
# Instantiated (no connection is opened): the backend modules and their drivers import.
database, cache, storage = connections["default"], caches["default"], storages["default"]
mail = get_connection()
health = Client().get("/healthz", HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "database": [database.vendor, settings.DATABASES["default"]["HOST"]],
    "cache": [type(cache).__module__, settings.CACHES["default"]["LOCATION"]],
    "storage": [type(storage).__name__, storage.bucket_name, storage.endpoint_url,
                storage.addressing_style, storage.access_key],
    "mail": [type(mail).__module__, settings.EMAIL_HOST, settings.EMAIL_PORT],
    "broker": app.conf.broker_url,
    "static_root": str(settings.STATIC_ROOT),
    "healthz": health.status_code,
}))
"""


def healthcheck_host(allowed_hosts: str) -> str:
    """The Host header the image's healthcheck sends (same rule as its inline Python)."""
    host = allowed_hosts.split(",")[0].strip().lstrip(".")
    return host if host not in ("", "*") else "localhost"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_settings_load_with_the_compose_environment(service, tmp_path):
    env = subprocess_environment(service, tmp_path)
    host = healthcheck_host(env["DJANGO_ALLOWED_HOSTS"])
    result = run([sys.executable, "-c", _PROBE, host], env)
    assert result.returncode == 0, output(result)
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["DEBUG"] is False
    assert loaded["database"] == ["postgresql", "postgres"]
    assert loaded["cache"] == ["django.core.cache.backends.redis", "redis://redis:6379/1"]
    assert loaded["storage"] == [
        "S3Storage",
        env["AWS_STORAGE_BUCKET_NAME"],
        "http://s3:9000",
        "path",
        env["AWS_ACCESS_KEY_ID"],
    ]
    assert loaded["mail"] == ["django.core.mail.backends.smtp", "mailpit", 1025]
    assert loaded["broker"] == "redis://redis:6379/0"
    assert loaded["healthz"] == 200, "the healthcheck's request must be answered 200"


def without_local_ocr_warning(env: dict) -> dict:
    """The image has the OCR engine (test_the_image_has_the_ocr_engine); a development machine
    may not, and its warning (evidence.W001) is not the compose environment's doing."""
    from evidence import ocr

    if ocr.engine_problem():
        silenced = env.get("DJANGO_SILENCED_SYSTEM_CHECKS", "")
        env["DJANGO_SILENCED_SYSTEM_CHECKS"] = ",".join(filter(None, [silenced,
                                                                       "evidence.W001"]))
    return env


def test_check_deploy_with_the_compose_environment(tmp_path):
    env = subprocess_environment("web", tmp_path)
    assert env["DJANGO_SILENCED_SYSTEM_CHECKS"] == "security.W008,audit_prep.W007"
    without_local_ocr_warning(env)
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env
    )
    assert result.returncode == 0, output(result)
    assert "no issues" in result.stdout, output(result)


def test_check_deploy_passes_behind_tls(tmp_path):
    # The compose environment with the changes a TLS-terminating proxy allows: the redirect
    # back on, and an https:// public address.
    env = subprocess_environment("web", tmp_path, DJANGO_SECURE_SSL_REDIRECT="true",
                                 SITE_URL="https://localhost:8000",
                                 DJANGO_SILENCED_SYSTEM_CHECKS="")
    without_local_ocr_warning(env)
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env
    )
    assert result.returncode == 0, output(result)
    assert "no issues" in result.stdout, output(result)


def test_dockerfile_collectstatic_step_runs_with_the_build_environment(tmp_path):
    """The RUN collectstatic line, with the final stage's ENV and its inline variables only."""
    final = stages()[-1]
    (run_line,) = [a for k, a in final if k == "RUN" and "collectstatic" in a]
    (step,) = [part for part in run_line.split("&&") if "manage.py collectstatic" in part]
    words = shlex.split(step)
    inline = {}
    while re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
        name, _, value = words.pop(0).partition("=")
        inline[name] = value
    assert words == ["python", "manage.py", "collectstatic", "--noinput"]
    assert "DJANGO_SECRET_KEY" in inline, "the build needs a throwaway key, given inline"

    image_env = env_instructions(final)
    env = {k: v for k, v in image_env.items() if "$" not in v}  # PATH=/opt/venv/bin:$PATH
    env.update(inline)
    env.update(
        PATH=os.environ.get("PATH", "/usr/bin:/bin"),
        PYTHONPATH=str(ROOT),  # /app in the image
        STATIC_ROOT=str(tmp_path / "static"),  # /app/staticfiles in the image
        DATA_DIR=str(tmp_path / "data"),
    )
    result = run([sys.executable, *words[1:]], env)
    assert result.returncode == 0, output(result)
    assert (tmp_path / "static" / "admin" / "css" / "base.css").exists()
    assert (tmp_path / "static" / "staticfiles.json").exists() or any(
        (tmp_path / "static").rglob("*.gz")
    ), "whitenoise's compressed storage did not post-process the files"


# === The Dockerfile ===========================================================================


def test_dockerfile_shape():
    instructions = dockerfile_instructions()
    base = stages()[-1][0][1].split()[0]
    base = re.sub(r"\$\{?(\w+)\}?", lambda m: global_args().get(m[1], m[0]), base)
    assert base == "python:3.11-slim-bookworm"
    for stage in stages():
        image = re.sub(r"\$\{?(\w+)\}?", lambda m: global_args().get(m[1], m[0]), stage[0][1])
        assert image.split()[0] == "python:3.11-slim-bookworm", stage[0]
    runs = " ".join(a for k, a in instructions if k == "RUN")
    assert re.search(r"apt-get install -y --no-install-recommends libmagic1", runs)
    assert "rm -rf /var/lib/apt/lists/*" in runs
    assert "pip install --no-cache-dir ." in runs
    final_runs = [a for k, a in stages()[-1] if k == "RUN"]
    magic = next(i for i, a in enumerate(final_runs) if "libmagic1" in a)
    static = next(i for i, a in enumerate(final_runs) if "manage.py collectstatic" in a)
    assert magic < static, "collectstatic imports python-magic, which needs libmagic1"
    assert re.search(r"useradd\b.*--uid 10001", runs)
    users = [a for k, a in stages()[-1] if k == "USER"]
    assert users and users[-1].split(":")[0] in ("10001", "app"), "the image must not run as root"
    assert "8000" in [a for k, a in instructions if k == "EXPOSE"]
    entrypoint = [a for k, a in instructions if k == "ENTRYPOINT"]
    assert entrypoint and json.loads(entrypoint[-1]) == ["/usr/local/bin/entrypoint.sh"]
    # The throwaway build key is never part of an image's environment or build arguments.
    for keyword, arguments in instructions:
        if keyword in ("ENV", "ARG", "LABEL"):
            assert "SECRET" not in arguments.upper(), (keyword, arguments)


def test_the_image_has_the_ocr_engine():
    """The worker reads scans with tesseract (French data) and poppler (decision 0031): the
    final stage installs them from Debian's packages, like libmagic1."""
    final_runs = [a for k, a in stages()[-1] if k == "RUN"]
    installs = [run for run in final_runs if "apt-get install" in run]
    packages = {word for run in installs for word in run.split()}
    assert {"tesseract-ocr", "tesseract-ocr-fra", "poppler-utils"} <= packages
    assert all("rm -rf /var/lib/apt/lists/*" in run for run in installs)


def test_dockerfile_healthcheck_requests_healthz():
    argv = healthcheck_argv()
    assert argv[:2] == ["python", "-c"]
    code = argv[2]
    assert "http://127.0.0.1:8000/healthz" in code
    compile(code, "<healthcheck>", "exec")

    seen = []

    class Handler(BaseHTTPRequestHandler):
        status = 200

        def do_GET(self):
            seen.append((self.path, dict(self.headers)))
            self.send_response(Handler.status)
            self.end_headers()
            self.wfile.write(b'{"status": "ok"}')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        local = code.replace("127.0.0.1:8000", f"127.0.0.1:{server.server_port}")
        allowed = app_environment("web")["DJANGO_ALLOWED_HOSTS"]
        env = {"PATH": os.environ.get("PATH", ""), "DJANGO_ALLOWED_HOSTS": allowed}
        ok = run([sys.executable, "-c", local], env, timeout=30)
        assert ok.returncode == 0, output(ok)
        path, headers = seen[-1]
        assert path == "/healthz"
        assert headers["Host"] == healthcheck_host(allowed)
        assert headers["Host"] in allowed.split(",")
        assert headers["X-Forwarded-Proto"] == "https"

        Handler.status = 500
        failing = run([sys.executable, "-c", local], env, timeout=30)
        assert failing.returncode != 0, "an error answer must make the container unhealthy"
    finally:
        server.shutdown()
        server.server_close()


def test_worker_and_beat_do_not_inherit_the_web_healthcheck():
    worker = services()["worker"]["healthcheck"]
    assert "inspect ping" in " ".join(worker["test"])
    assert services()["beat"]["healthcheck"] == {"disable": True}


# === (d) every file named exists ===============================================================


def test_compose_build_context_and_dockerfile_exist():
    for service in APP_SERVICES:
        build = services()[service]["build"]
        context = (COMPOSE_FILE.parent / build["context"]).resolve()
        assert context == ROOT, f"{service}: the build context should be the repository root"
        assert (context / build["dockerfile"]).resolve() == DOCKERFILE
    assert DOCKERFILE.is_file()


def test_every_copy_source_exists():
    context = build_context()
    stage_names = {s[0][1].split()[-1] for s in stages() if " AS " in s[0][1].upper()}
    for stage in stages():
        for flags, sources, destination in copy_instructions(stage):
            if "from" in flags:
                assert flags["from"] in stage_names, f"COPY --from={flags['from']}: no such stage"
                continue
            for source in sources:
                matches = list(context.glob(source.rstrip("/")))
                assert matches, f"COPY {source} {destination}: not in the repository"


def test_image_holds_the_app_and_the_entrypoint():
    final = stages()[-1]
    copied = {}
    for flags, sources, destination in copy_instructions(final):
        if "from" not in flags:
            for source in sources:
                copied[source.rstrip("/")] = destination
    for name in ("manage.py", "pyproject.toml", "locale", *project_apps()):
        assert name in copied, f"{name} is not copied into the image"
        assert copied[name].startswith("./"), f"{name} is not copied into WORKDIR /app"
    assert [a for k, a in final if k == "WORKDIR"][-1] == "/app"
    # The ENTRYPOINT is the copy of docker/entrypoint.sh, made executable.
    (entrypoint,) = [json.loads(a) for k, a in final if k == "ENTRYPOINT"]
    assert copied["docker/entrypoint.sh"] == entrypoint[0]
    (chmod,) = [f.get("chmod") for f, s, d in copy_instructions(final) if d == entrypoint[0]]
    assert chmod and int(chmod, 8) & 0o111 == 0o111


def test_builder_stage_has_what_pip_install_needs():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (builder,) = [s for s in stages() if any("pip install" in a for k, a in s if k == "RUN")]
    copies = copy_instructions(builder)
    copied = {s.rstrip("/") for _flags, sources, _dest in copies for s in sources}
    assert "pyproject.toml" in copied
    readme = pyproject["project"].get("readme")
    if isinstance(readme, str):
        assert readme in copied, f"pyproject's readme {readme} is not copied before pip install"
    included = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    for pattern in included:
        assert pattern.rstrip("*") in copied, f"package {pattern} is not copied before pip install"
    missing = [app for app in project_apps() if f"{app}*" not in included]
    assert missing == [], f"apps left out of the installed packages: {missing}"


def project_apps() -> list[str]:
    """Every app of the project (a top-level folder with an apps.py): the image needs them all."""
    return sorted(path.parent.name for path in ROOT.glob("*/apps.py"))


# === (e) the entrypoint ========================================================================


def test_entrypoint_is_an_executable_posix_script_with_every_role():
    mode = ENTRYPOINT.stat().st_mode
    assert mode & stat.S_IXUSR and mode & stat.S_IXGRP and mode & stat.S_IXOTH
    text = ENTRYPOINT.read_text()
    assert text.startswith("#!/bin/sh\n")
    assert re.search(r"^set -eu$", text, re.M)
    for role in ("web", "worker", "beat", "manage"):
        assert re.search(rf"^\s*{role}\)", text, re.M), f"role {role} is not handled"
    assert re.search(r"^\s*\*\)\s*\n\s*exec \"\$@\"", text, re.M)
    assert "exec gunicorn --config docker/gunicorn.conf.py audit_prep.wsgi:application" in " ".join(
        text.replace("\\\n", " ").split()
    )
    flat = " ".join(text.replace("\\\n", " ").split())
    assert "exec celery -A audit_prep worker --queues=files,light" in flat
    assert "exec celery -A audit_prep beat" in flat
    assert "--schedule=/tmp/celerybeat-schedule" in flat
    assert "exec python manage.py \"$@\"" in flat
    assert "migrate --noinput" in flat and "MIGRATE_ON_START:-true" in flat
    syntax = subprocess.run(
        ["/bin/sh", "-n", str(ENTRYPOINT)], capture_output=True, text=True, check=False
    )
    assert syntax.returncode == 0, syntax.stderr


def _entrypoint_env(tmp_path, **overrides):
    env = subprocess_environment("web", tmp_path, **overrides)
    # `python`, `gunicorn` and `celery` of this interpreter, as /opt/venv/bin in the image.
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_entrypoint_runs_other_commands_and_manage(tmp_path):
    env = _entrypoint_env(tmp_path)
    echoed = run([str(ENTRYPOINT), "echo", "any", "command"], env)
    assert (echoed.returncode, echoed.stdout) == (0, "any command\n"), output(echoed)
    managed = run([str(ENTRYPOINT), "manage", "check"], env)
    assert managed.returncode == 0, output(managed)
    assert "no issues" in managed.stdout


def test_entrypoint_web_gives_up_when_the_database_never_answers(tmp_path):
    # A closed local port instead of the compose `postgres` host, so that nothing is migrated.
    env = _entrypoint_env(
        tmp_path, DATABASE_URL="postgres://audit_prep:x@127.0.0.1:1/audit_prep", DB_WAIT_TRIES="2"
    )
    result = run([str(ENTRYPOINT), "web"], env, timeout=60)
    assert result.returncode != 0, output(result)
    assert "database not ready (2/2)" in result.stderr, output(result)
    assert "giving up" in result.stderr
    assert "gunicorn" not in result.stderr.lower(), "gunicorn must not start without a database"


# === (f) depends_on ============================================================================

CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


def test_depends_on_refers_to_existing_services():
    for service, definition in services().items():
        depends_on = definition.get("depends_on") or {}
        if isinstance(depends_on, list):
            depends_on = {name: {"condition": "service_started"} for name in depends_on}
        for target, options in depends_on.items():
            assert target in services(), f"{service} depends on {target}, which does not exist"
            assert target != service
            condition = (options or {}).get("condition", "service_started")
            assert condition in CONDITIONS, f"{service} -> {target}: {condition}"
            if condition == "service_healthy":
                assert "healthcheck" in services()[target], f"{target} has no healthcheck"
            if condition == "service_completed_successfully":
                assert str(services()[target].get("restart", "no")) == "no", target


def test_web_waits_for_the_backing_services():
    depends_on = services()["web"]["depends_on"]
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"
    assert depends_on["s3"]["condition"] == "service_started"
    assert depends_on["createbucket"]["condition"] == "service_completed_successfully"
    assert "pg_isready" in " ".join(services()["postgres"]["healthcheck"]["test"])
    assert services()["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]
