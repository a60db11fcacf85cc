"""`manage.py rundemo` (what `make run` serves): stopping it stops its Celery worker too."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) no longer runs.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_sigterm_stops_the_server_and_its_worker(tmp_path):
    """A process manager (or `kill`) stops the demo with SIGTERM: the server leaves, and the
    worker it started does not outlive it."""
    port = _free_port()
    env = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
    env.update(DATA_DIR=str(tmp_path), DJANGO_DEBUG="true",
               DJANGO_SETTINGS_MODULE="audit_prep.settings")
    env.pop("CELERY_BROKER_URL", None)
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    demo = subprocess.Popen(
        [sys.executable, "manage.py", "rundemo", f"127.0.0.1:{port}"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        first_line = demo.stdout.readline()
        assert "Celery worker started (pid " in first_line, first_line
        worker_pid = int(first_line.split("pid ")[1].split(")")[0])

        def serving():
            try:
                socket.create_connection(("127.0.0.1", port), 0.5).close()
            except OSError:
                return False
            return True

        assert _wait_for(serving, 30), "the demo server never answered"
        assert _alive(worker_pid)

        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=30) == 0
        assert _wait_for(lambda: not _alive(worker_pid), 20), "the worker outlived the server"
    finally:
        if demo.poll() is None:
            demo.kill()
