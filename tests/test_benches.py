"""Every benchmark keeps running: each script of bench/ (but its helper modules) is run in its
small mode (`--small`: seconds, no target checked) in a subprocess and must exit 0. A new bench
is picked up by the glob; a bench without a small mode fails here.

A bench that needs PostgreSQL (it takes `--admin-url` to create its own throwaway database)
runs on the server of the test run when the run is on PostgreSQL, else on the default local
server (skipped when none answers, but under CI)."""

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connections

ROOT = Path(__file__).resolve().parent.parent
HELPERS = {"common.py", "stack.py", "search_corpus.py"}  # imported by the benches, not run
BENCHES = sorted(path for path in (ROOT / "bench").glob("*.py") if path.name not in HELPERS)
DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
# The bench sets up its own Django environment: nothing of the test run's may leak into it.
LEAKING = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "CELERY_BROKER_URL", "MEDIA_ROOT",
           "STORAGE_BACKEND", "DATA_DIR")


def _admin_url() -> str:
    """The maintenance database of the server the test run uses, or the default local one."""
    url = os.environ.get("DATABASE_URL", "")
    if connections["default"].vendor == "postgresql" and url:
        return urlunsplit(urlsplit(url)._replace(path="/postgres"))
    return DEFAULT_ADMIN_URL


def _answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), 1).close()
    except OSError:
        return False
    return True


def _run(*args: str, timeout: float) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if name not in LEAKING}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def test_benches_are_found():
    assert {path.name for path in BENCHES} >= {"upload_memory.py", "verification.py",
                                               "import_referential.py", "pages.py",
                                               "search.py"}


@pytest.mark.integration
@pytest.mark.timeout(900)
@pytest.mark.parametrize("script", BENCHES, ids=lambda path: path.name)
def test_bench_runs_in_small_mode(script):
    usage = _run(str(script), "--help", timeout=120)
    assert usage.returncode == 0, usage.stderr[-2000:]
    assert "--small" in usage.stdout, f"{script.name} has no --small mode"
    args = [str(script), "--small"]
    if "--admin-url" in usage.stdout:
        admin_url = _admin_url()
        if not _answers(admin_url):
            if os.environ.get("CI") == "true":
                pytest.fail(f"{script.name} needs PostgreSQL (CI=true: required)")
            pytest.skip(f"{script.name} needs PostgreSQL; none answers at {admin_url}")
        args += ["--admin-url", admin_url]

    result = _run(*args, timeout=840)

    assert result.returncode == 0, (
        f"{script.name} --small exited {result.returncode}\n"
        f"--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}")
