"""Integration fixtures: a REAL Celery worker process on a real Redis broker and the test's own
PostgreSQL database.

`celery_worker` (module) starts::

    python -m celery -A audit_prep worker --pool=prefork --concurrency=1 -Q files,light
        --without-heartbeat --without-mingle --without-gossip -l INFO -n <unique>@%h

in a new process group, with an environment pointing at the live test database (the name
pytest-django gave it, so xdist's per-process databases work too), at a shared local evidence
store (MEDIA_ROOT) and at a Redis database that this session claimed for itself. It waits until
the worker answers a control ping, and always stops it (SIGQUIT, then SIGKILL to its group).
`running_worker(request, env_overrides)` does the same for a module fixture that needs another
worker environment (test_worker_s3.py: the evidence store on moto's S3 server).

Isolation on a Redis shared by several engineers and xdist processes: each module claims one of
the databases 8..15 with ``SET audit-prep-it:claim <token> NX EX`` and flushes it in the same
MULTI/EXEC; it deletes the claim when done. Queues, unacked messages and the control mailbox
(whose pub/sub channels Kombu prefixes with the database number) are therefore private.

`live_worker` (function) points the test process at the same broker and store for the duration
of one test: ``settings.CELERY_BROKER_URL``, the Celery app's ``broker_url`` and
``task_always_eager=False``, its connection pools reset; everything restored afterwards.

These tests need PostgreSQL (two processes on one database); on SQLite they are skipped (the
Makefile's PostgreSQL run executes them). A Redis that does not answer skips them, except under
CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connections
from kombu import pools as kombu_pools

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_HOST = "127.0.0.1"
REDIS_PORT = 6379
REDIS_DBS = range(15, 7, -1)  # the databases a test session may claim
CLAIM_KEY = "audit-prep-it:claim"
CLAIM_TTL = 900  # seconds; refreshed by every test, deleted at the end
WORKER_START_TIMEOUT = 30.0
WORKER_STOP_TIMEOUT = 10.0
DEAD_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
IS_CI = os.environ.get("CI") == "true"


def on_postgresql() -> bool:
    return connections["default"].vendor == "postgresql"


requires_postgresql = pytest.mark.skipif(
    not on_postgresql(),
    reason="needs PostgreSQL (a worker process and the test share one database); "
    "the Makefile's PostgreSQL run (DATABASE_URL=postgres://...) executes these tests",
)

# The marks of every test that runs a real worker beside the test process.
WORKER_TEST_MARKS = [
    requires_postgresql,
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(90),
]
VERIFY = "workers.verify_revision"
VERIFY_TIMEOUT = 20.0  # seconds for a queued verification to be done by an idle worker


def unavailable(message: str):
    """Skip, or fail under CI: CI must not silently lose the integration coverage."""
    if IS_CI:
        pytest.fail(f"{message} (CI=true: required)", pytrace=False)
    pytest.skip(message)


def redis_client(db: int = 0):
    import redis

    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db, socket_connect_timeout=1,
                       socket_timeout=5)


def redis_error() -> str:
    """'' when Redis answers PING, else why not."""
    try:
        with contextlib.closing(redis_client()) as client:
            client.ping()
    except Exception as exc:
        return f"Redis does not answer on {REDIS_HOST}:{REDIS_PORT}: {exc}"
    return ""


@pytest.fixture(scope="session")
def redis_server() -> str:
    """'host:port' of the local Redis; skips (fails under CI) when it does not answer."""
    error = redis_error()
    if error:
        unavailable(error)
    return f"{REDIS_HOST}:{REDIS_PORT}"


@dataclass
class RedisClaim:
    db: int
    token: str
    client: Any

    @property
    def url(self) -> str:
        return f"redis://{REDIS_HOST}:{REDIS_PORT}/{self.db}"

    def refresh(self) -> None:
        if self.client.get(CLAIM_KEY) != self.token.encode():
            raise RuntimeError(f"lost the claim on Redis database {self.db}")
        self.client.expire(CLAIM_KEY, CLAIM_TTL)

    def release(self) -> None:
        with contextlib.suppress(Exception):
            if self.client.get(CLAIM_KEY) == self.token.encode():
                self.client.flushdb()
        self.client.close()


def claim_redis_db(token: str) -> RedisClaim:
    """Claim a free Redis database (8..15) for this session, and empty it."""
    for db in REDIS_DBS:
        client = redis_client(db)
        if client.set(CLAIM_KEY, token, nx=True, ex=CLAIM_TTL):
            with client.pipeline(transaction=True) as pipe:
                pipe.flushdb()
                pipe.set(CLAIM_KEY, token, ex=CLAIM_TTL)
                pipe.execute()
            return RedisClaim(db=db, token=token, client=client)
        client.close()
    raise RuntimeError(f"no free Redis database among {list(REDIS_DBS)}: all claimed")


def database_url() -> str:
    """A DATABASE_URL naming the live test database (e.g. test_audit_prep_gw0)."""
    params = connections["default"].settings_dict
    user = quote(params.get("USER") or "", safe="")
    password = params.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password, safe='')}@" if password else (
        f"{user}@" if user else "")
    host = params.get("HOST") or ""
    port = f":{params['PORT']}" if params.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(params['NAME'], safe='')}"


def local_store_settings(location: Path) -> dict:
    return {"BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location), "allow_overwrite": True}}


def log_tail(path: Path, limit: int = 4000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-limit:]
    except OSError:
        return ""


@dataclass
class Worker:
    """A running `celery worker` process and what the tests need to talk to it."""

    process: subprocess.Popen
    nodename: str
    broker_url: str
    store: Path
    log_path: Path
    claim: RedisClaim
    control_app: Any

    def log(self) -> str:
        return log_tail(self.log_path)

    def alive(self) -> bool:
        return self.process.poll() is None

    def ping(self, timeout: float = 0.5) -> bool:
        replies = self.control_app.control.ping(destination=[self.nodename], timeout=timeout)
        return any(self.nodename in reply for reply in replies or [])

    def active(self) -> list[dict]:
        replies = self.control_app.control.inspect(destination=[self.nodename],
                                                   timeout=1.0).active() or {}
        return replies.get(self.nodename, [])

    def pool_children(self) -> list[int]:
        """Pids of the worker's pool processes (its direct children)."""
        children = []
        for task_dir in Path(f"/proc/{self.process.pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                children += [int(pid) for pid in (task_dir / "children").read_text().split()]
        return children

    def child_running(self, task_id: str, timeout: float = 10.0) -> int:
        """The pid of the pool process executing `task_id` (from `inspect active`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for request in self.active():
                if request.get("id") == task_id and request.get("worker_pid"):
                    return int(request["worker_pid"])
            time.sleep(0.1)
        raise AssertionError(f"task {task_id} not seen active on {self.nodename}\n{self.log()}")


def _start_worker(claim: RedisClaim, store: Path, log_path: Path,
                  env_overrides: dict[str, str] | None = None) -> Worker:
    from celery import Celery

    nodename = f"it-{claim.token}@{os.uname().nodename}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(BASE_DIR),
                                                    os.environ.get("PYTHONPATH")])),
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": database_url(),
        "DATA_DIR": str(settings.DATA_DIR),
        "STORAGE_BACKEND": "local",
        "MEDIA_ROOT": str(store),
        "CELERY_BROKER_URL": claim.url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "LOG_LEVEL": "INFO",
        **(env_overrides or {}),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "audit_prep", "worker", "--pool=prefork",
        "--concurrency=1", "-Q", "files,light", "--without-heartbeat", "--without-mingle",
        "--without-gossip", "-l", "INFO", "-n", nodename,
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    control_app = Celery("audit-prep-it-control", broker=claim.url, set_as_current=False)
    # broker_read_url / broker_write_url, because Celery's conf.broker_url prefers
    # $CELERY_BROKER_URL (memory:// in this process) to the configured value.
    control_app.conf.update(broker_read_url=claim.url, broker_write_url=claim.url,
                            accept_content=["json"], task_serializer="json",
                            result_serializer="json", broker_connection_retry_on_startup=True)
    return Worker(process=process, nodename=nodename, broker_url=claim.url, store=store,
                  log_path=log_path, claim=claim, control_app=control_app)


def _wait_ready(worker: Worker) -> None:
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while time.monotonic() < deadline:
        if not worker.alive():
            raise RuntimeError(f"the Celery worker exited with code {worker.process.returncode}"
                               f":\n{worker.log()}")
        with contextlib.suppress(Exception):
            if worker.ping():
                return
        time.sleep(0.2)
    raise RuntimeError(f"the Celery worker did not answer a ping within "
                       f"{WORKER_START_TIMEOUT:.0f} s:\n{worker.log()}")


def _stop_worker(worker: Worker) -> None:
    process = worker.process
    with contextlib.suppress(ProcessLookupError):
        if process.poll() is None:
            # Cold shutdown: the tests wait for their tasks, nothing is left to finish.
            process.send_signal(signal.SIGQUIT)
            try:
                process.wait(timeout=WORKER_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
    # Pool processes left behind (e.g. a child blocked in a read) are in the worker's own group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        worker.control_app.close()


@contextlib.contextmanager
def running_worker(request, env_overrides: dict[str, str] | None = None) -> Iterator[Worker]:
    """Start a real Celery worker on a claimed Redis database and the live test database; stop
    it on exit. `env_overrides` is added to its environment (e.g. STORAGE_BACKEND=s3)."""
    if not on_postgresql():
        pytest.skip("the worker fixtures need PostgreSQL")
    failed_before = request.session.testsfailed
    token = uuid.uuid4().hex[:12]
    claim = claim_redis_db(token)
    workdir = Path(tempfile.mkdtemp(prefix=f"audit-prep-it-{token}-"))
    store = workdir / "store"
    store.mkdir()
    worker = _start_worker(claim, store, workdir / "worker.log", env_overrides)
    try:
        _wait_ready(worker)
    except RuntimeError as exc:
        _stop_worker(worker)
        claim.release()
        pytest.fail(str(exc), pytrace=False)
    try:
        yield worker
    finally:
        _stop_worker(worker)
        claim.release()
        kombu_pools.reset()  # close this process's connections to the claimed database
        if request.session.testsfailed > failed_before:
            sys.stderr.write(f"\n--- Celery worker log ({worker.log_path}) ---\n{worker.log()}\n")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def celery_worker(request, redis_server, django_db_setup) -> Iterator[Worker]:
    """A real Celery worker on a claimed Redis database and the live test database."""
    with running_worker(request) as worker:
        yield worker


def reset_broker_pools(app) -> None:
    """Forget the app's broker pools so that the next publish uses conf.broker_url. (Not closed:
    Kombu keeps one pool per broker URL in a process-wide registry and hands it out again.)"""
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextlib.contextmanager
def celery_broker(url: str, *, eager: bool = False):
    """Point this process's Celery app (and settings.CELERY_BROKER_URL) at `url`; restore.

    Celery's `conf.broker_url` prefers the CELERY_BROKER_URL environment variable (which
    tests/settings.py sets to memory://) over the configured value, so both are switched."""
    from audit_prep.celery import app

    saved_conf = {"broker_url": app.conf.get("broker_url"),
                  "task_always_eager": app.conf.task_always_eager}
    saved_env = os.environ.get("CELERY_BROKER_URL")
    saved_setting = settings.CELERY_BROKER_URL
    reset_broker_pools(app)
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.broker_url = url
    app.conf.task_always_eager = eager
    settings.CELERY_BROKER_URL = url
    try:
        yield app
    finally:
        reset_broker_pools(app)
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        app.conf.update(saved_conf)
        settings.CELERY_BROKER_URL = saved_setting


@pytest.fixture
def live_worker(celery_worker, settings) -> Iterator[Worker]:
    """The module's worker, with this test's process publishing to it and sharing its store."""
    if not celery_worker.alive():
        pytest.fail(f"the Celery worker died:\n{celery_worker.log()}", pytrace=False)
    celery_worker.claim.refresh()
    settings.STORAGES = {**settings.STORAGES, "default": local_store_settings(celery_worker.store)}
    with celery_broker(celery_worker.broker_url):
        yield celery_worker


def wait_for(condition: Callable[[], Any], timeout: float, message: str | Callable[[], str],
             interval: float = 0.1) -> Any:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            raise AssertionError(f"after {timeout:.0f} s: {text}")
        time.sleep(interval)
