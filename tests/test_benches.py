"""Every benchmark keeps running: each bench script's small mode (seconds, no target checked)
runs in a subprocess and must exit 0. The benches measure PostgreSQL, so they run in the
PostgreSQL run of `make test` (DATABASE_URL=postgres://...), on a throwaway database of the
same server that each script creates and drops."""

import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
# The scripts with a small mode; each other bench joins this list with its own `--small`.
SMALL_MODES = ["checklist.py", "reminders.py"]
DATABASE_URL = os.environ.get("DATABASE_URL", "")


def admin_url() -> str:
    """The test server's maintenance database, where a bench creates its own."""
    parts = urllib.parse.urlsplit(DATABASE_URL)
    return urllib.parse.urlunsplit(parts._replace(path="/postgres"))


@pytest.mark.integration
@pytest.mark.skipif(not DATABASE_URL.startswith("postgres"),
                    reason="the benches need PostgreSQL: the Makefile's PostgreSQL run runs them")
@pytest.mark.parametrize("script", SMALL_MODES)
def test_small_mode_runs(script):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--small", "--admin-url", admin_url()],
        cwd=BENCH.parent, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "no target checked" in done.stdout
