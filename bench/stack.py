"""The production set-up on this machine, for the tests and benches that need it (one copy):
nginx configured from docker/nginx/audit-prep.conf.template in front of gunicorn started by
docker/entrypoint.sh's web role (hence docker/gunicorn.conf.py), production settings
(DJANGO_DEBUG=false), and, for the load bench, a real Celery worker (the entrypoint's worker
role). Only the upstream address, the ports and the paths differ from the compose stack.

Used by tests/integration/test_slow_clients.py (``from bench import stack``), bench/slow_clients.py
and bench/load.py (``import stack``). Standard library only.

nginx is not installed everywhere: `nginx_binary()` finds it (``command -v nginx`` or
/usr/sbin/nginx); `make test` installs Debian's package when it is missing and runs as root.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import pwd
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.common import SCRUBBED_ENV, django_env, log  # noqa: E402

DOCKER = REPO / "docker"
NGINX_TEMPLATE = DOCKER / "nginx" / "audit-prep.conf.template"
NGINX_ERRORS = DOCKER / "nginx" / "errors"
ENTRYPOINT = DOCKER / "entrypoint.sh"
HOST = "127.0.0.1"
START_TIMEOUT = 60.0


# ------------------------------------------------------------------------------------- network


def free_port() -> int:
    """A free port: within STACK_PORTS ("first-last") when set (machines shared by several
    people), else one the system picks."""
    first, _, last = os.environ.get("STACK_PORTS", "").partition("-")
    candidates = list(range(int(first), int(last) + 1)) if first and last else [0]
    random.shuffle(candidates)
    for candidate in candidates:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((HOST, candidate))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError(f"no free port in STACK_PORTS={os.environ['STACK_PORTS']}")


def request(port: int, method: str, path: str, body=None, headers=None,
            timeout: float = 30) -> tuple[int, bytes, dict[str, str]]:
    """(status, body, headers) of one HTTP request to 127.0.0.1:`port`."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"Host": "localhost", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read(), {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


def wait_for_healthz(port: int, process: subprocess.Popen, what: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited ({process.returncode}):\n{tail(log_path)}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if request(port, "GET", "/healthz", timeout=2)[0] == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer /healthz in {START_TIMEOUT:.0f} s:\n"
                       f"{tail(log_path)}")


def stall(port: int, count: int) -> list[socket.socket]:
    """`count` connections that send the start of a request and never finish their headers."""
    sockets = []
    for _ in range(count):
        sock = socket.create_connection((HOST, port), timeout=5)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Stalled: ")
        sockets.append(sock)
    return sockets


def multipart(name: str, data: bytes, content_type: str = "application/pdf") -> tuple[bytes, str]:
    """(body, Content-Type) of a form with one file field `files`."""
    boundary = "audit-prep-" + secrets.token_hex(12)
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@dataclass
class UploadAnswer:
    status: int  # 0: the connection was closed or reset before an answer
    payload: dict
    seconds: float


def slow_upload(port: int, token: str, evidence_id: int, name: str, data: bytes, *,
                bytes_per_second: float, chunk: int = 4096, timeout: float = 120) -> UploadAnswer:
    """POST `data` as a new revision, sent at about `bytes_per_second` (a throttled client)."""
    body, content_type = multipart(name, data)
    started = time.monotonic()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)

    def paced():
        for offset in range(0, len(body), chunk):
            yield body[offset:offset + chunk]
            due = started + (offset + chunk) / bytes_per_second
            time.sleep(max(0.0, due - time.monotonic()))

    try:
        conn.request("POST", f"/api/v1/evidence/{evidence_id}/revisions/", body=paced(),
                     headers={"Host": "localhost", "Authorization": f"Token {token}",
                              "Content-Type": content_type, "Content-Length": str(len(body)),
                              "Accept": "application/json"})
        response = conn.getresponse()
        raw = response.read()
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        return UploadAnswer(0, {"error": repr(exc)}, time.monotonic() - started)
    finally:
        conn.close()
    try:
        payload = json.loads(raw)
    except ValueError:
        payload = {"raw": raw[:300].decode(errors="replace")}
    return UploadAnswer(status, payload, time.monotonic() - started)


# ----------------------------------------------------------------------------------- processes


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def children_of(pid: int) -> list[int]:
    found: set[int] = set()
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found.update(int(p) for p in children.read_text().split())
    return sorted(found)


@dataclass
class Service:
    """A process started in its own process group, its output in `log_path`."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None
    _log: object = field(default=None, repr=False)

    def start(self) -> None:
        if self._log is not None:  # a restart after a kill
            self._log.close()  # type: ignore[attr-defined]
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # fixed argv built here
            self.argv, env=self.env, cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self, timeout: float = 15) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        # Children left behind (a killed master's workers) leave with their group.
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        if self._log is not None:
            self._log.close()  # type: ignore[attr-defined]
            self._log = None


def nginx_binary() -> str | None:
    """nginx's path, or None: ``command -v nginx``, else /usr/sbin/nginx (not on a user's PATH)."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def render_nginx_site(upstream: str, listen: int, errors: Path = NGINX_ERRORS) -> str:
    """The repository's nginx template with its three values filled in, as envsubst does."""
    text = NGINX_TEMPLATE.read_text()
    values = {"AUDIT_PREP_UPSTREAM": upstream, "AUDIT_PREP_LISTEN": str(listen),
              "AUDIT_PREP_ERRORS": str(errors)}
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    leftover = re.search(r"\$\{[A-Za-z_]+\}", text)
    if leftover:
        raise ValueError(f"{NGINX_TEMPLATE.name}: {leftover[0]} is not filled in")
    return text


def nginx_main_config(workdir: Path, site: Path) -> str:
    """What the nginx image's own nginx.conf gives, with every path in `workdir` (no
    /var/lib/nginx, no /run), in the foreground."""
    user = ""
    if os.geteuid() == 0:
        # Workers must read the repository's error files and write the temporary folders.
        user = f"user {pwd.getpwuid(0).pw_name};"
    temp = "\n".join(f"    {kind}_temp_path {workdir / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""{user}
daemon off;
worker_processes 1;
pid {workdir / 'nginx.pid'};
error_log {workdir / 'error.log'} warn;
events {{ worker_connections 1024; }}
http {{
    default_type application/octet-stream;
    access_log {workdir / 'access.log'};
{temp}
    include {site};
}}
"""


class Nginx(Service):
    def __init__(self, workdir: Path, listen: int, upstream_port: int):
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed")
        workdir.mkdir(parents=True, exist_ok=True)
        site = workdir / "audit-prep.conf"
        site.write_text(render_nginx_site(f"{HOST}:{upstream_port}", listen))
        config = workdir / "nginx.conf"
        config.write_text(nginx_main_config(workdir, site))
        super().__init__("nginx", [binary, "-e", str(workdir / "error.log"), "-p", str(workdir),
                                   "-c", str(config)], dict(os.environ), workdir / "nginx.out")
        self.port = listen

    def start(self) -> None:
        super().start()
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start:\n{tail(self.log_path)}\n"
                                       f"{tail(self.log_path.parent / 'error.log')}") from None
                time.sleep(0.1)


class Gunicorn(Service):
    """The entrypoint's web role (MIGRATE_ON_START=false: the database is prepared first)."""

    def __init__(self, env: dict[str, str], log_dir: Path, *, workers: int, timeout: int):
        self.port = free_port()
        env = {**env, "MIGRATE_ON_START": "false", "GUNICORN_BIND": f"{HOST}:{self.port}",
               "WEB_CONCURRENCY": str(workers), "GUNICORN_TIMEOUT": str(timeout)}
        super().__init__("gunicorn", [str(ENTRYPOINT), "web"], env, log_dir / "gunicorn.log")

    def start(self) -> None:
        super().start()
        assert self.process is not None
        wait_for_healthz(self.port, self.process, "gunicorn", self.log_path)

    def workers(self) -> list[int]:
        return children_of(self.pid)


class CeleryWorker(Service):
    """The entrypoint's worker role."""

    def __init__(self, env: dict[str, str], log_dir: Path, *, concurrency: int = 1):
        super().__init__("celery", [str(ENTRYPOINT), "worker", "--without-heartbeat",
                                    "--without-mingle", "--without-gossip",
                                    f"--hostname=stack-{secrets.token_hex(4)}@%h"],
                         # INFO: its "ready." line is how start() knows it consumes.
                         {**env, "WORKER_CONCURRENCY": str(concurrency), "LOG_LEVEL": "INFO"},
                         log_dir / "celery.log")

    def start(self) -> None:
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0  # a restart
        super().start()
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while b"ready." not in self.log_path.read_bytes()[offset:]:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"celery worker did not start:\n{tail(self.log_path)}")
            time.sleep(0.2)


# ---------------------------------------------------------------------------------- the app


def production_env(data_dir: Path, database_url: str | None = None, **extra: str) -> dict:
    """Production settings (DJANGO_DEBUG=false), local-disk storage in `data_dir`, SQLite there
    unless `database_url`; the venv's gunicorn/celery first on PATH, the repository importable
    (the image's /opt/venv/bin and PYTHONPATH=/app)."""
    env = django_env(data_dir, database_url, debug=False, scrub=SCRUBBED_ENV,
                     DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1", STORAGE_BACKEND="local",
                     FILE_UPLOAD_TEMP_DIR=str(data_dir / "upload-tmp"), LOG_LEVEL="WARNING",
                     PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1", **extra)
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}"
    (data_dir / "upload-tmp").mkdir(parents=True, exist_ok=True)
    return env


SEED = r"""
import json, sys
from django.contrib.auth import get_user_model
from django.utils import timezone
from audit_prep import tokens
from audit_prep.models import Membership, Organization
from audit_prep.roles import Role
from evidence import services

users, items, password = json.loads(sys.argv[-1])
out = []
for n in range(users):
    user = get_user_model().objects.create_user(username=f"stack-{n}", password=password)
    org = Organization.objects.create(name=f"Structure {n}", slug=f"structure-{n}")
    Membership.objects.create(user=user, organization=org, role=Role.QUALITY_MANAGER)
    evidence = [services.create_evidence(user, org, {"title": f"Preuve {n}-{i}", "kind": "document",
                "effective_date": timezone.localdate()}).pk for i in range(items)]
    out.append({"username": user.username, "token": tokens.issue(user, "stack")[1],
                "organization": org.pk, "evidence": evidence})
print("STACK_SEED " + json.dumps(out))
"""


def manage(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env,  # fixed argv
                            capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def prepare(env: dict[str, str], *, users: int = 1, items: int = 1,
            password: str = "") -> list[dict]:
    """Migrate, then `users` quality managers, each with a structure, an API token and `items`
    evidence items (a fresh database is expected)."""
    manage(env, "migrate", "--noinput", "-v", "0")
    code = SEED.replace("sys.argv[-1]", repr(json.dumps([users, items, password or "x" * 20])))
    out = manage(env, "shell", "-c", code)
    line = next(x for x in out.splitlines() if x.startswith("STACK_SEED "))
    return json.loads(line.removeprefix("STACK_SEED "))


def stored_digest(media_root: Path, organization: int, sha256: str) -> str | None:
    """SHA-256 of the object stored under the content-addressed key, None when there is none."""
    path = media_root / "o" / str(organization) / sha256[:2] / sha256
    if not path.is_file():
        return None
    return hashlib.file_digest(path.open("rb"), "sha256").hexdigest()


@dataclass
class Stack:
    """gunicorn (and nginx in front when `proxy`) on a prepared database; `port` is the one
    clients use."""

    gunicorn: Gunicorn
    nginx: Nginx | None
    data_dir: Path

    @property
    def port(self) -> int:
        return self.nginx.port if self.nginx else self.gunicorn.port


@contextlib.contextmanager
def running(env: dict[str, str], data_dir: Path, *, proxy: bool = True, workers: int = 2,
            timeout: int = 60, nginx_port: int | None = None) -> Iterator[Stack]:
    """Start gunicorn with `env` and, when `proxy`, nginx in front; stop both on exit."""
    gunicorn = Gunicorn(env, data_dir, workers=workers, timeout=timeout)
    nginx = None
    try:
        log(f"gunicorn on {HOST}:{gunicorn.port} ({workers} workers, timeout {timeout} s)")
        gunicorn.start()
        if proxy:
            nginx = Nginx(data_dir / "nginx", nginx_port or free_port(), gunicorn.port)
            log(f"nginx on {HOST}:{nginx.port} in front")
            nginx.start()
            assert nginx.process is not None
            wait_for_healthz(nginx.port, nginx.process, "nginx", nginx.log_path)
        yield Stack(gunicorn, nginx, data_dir)
    finally:
        if nginx is not None:
            nginx.stop()
        gunicorn.stop()


# Integration tests claim Redis databases 8..15 with this key (tests/integration/conftest.py);
# the benches take theirs the same way, so neither empties the other's.
REDIS_CLAIM_KEY = "audit-prep-it:claim"


@contextlib.contextmanager
def redis_db(preferred: int, host: str = HOST, port: int = 6379) -> Iterator[str]:
    """The URL of an emptied Redis database claimed for the duration: `preferred` if free,
    else the first free one of 15..8; emptied and released on exit."""
    import redis

    token = secrets.token_hex(8)
    for db in [preferred, *(n for n in range(15, 7, -1) if n != preferred)]:
        client = redis.Redis(host=host, port=port, db=db, socket_connect_timeout=2)
        if client.set(REDIS_CLAIM_KEY, token, nx=True, ex=3 * 3600):
            break
        client.close()
    else:
        raise RuntimeError("no free Redis database among 8..15")
    try:
        with client.pipeline(transaction=True) as pipe:
            pipe.flushdb().set(REDIS_CLAIM_KEY, token, ex=3 * 3600).execute()
        yield f"redis://{host}:{port}/{db}"
    finally:
        if client.get(REDIS_CLAIM_KEY) == token.encode():
            client.flushdb()
        client.close()
