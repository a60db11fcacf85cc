#!/usr/bin/env python
"""Benchmark: slow clients against the production set-up (issue 11, item 1).

nginx (docker/nginx/audit-prep.conf.template) in front of gunicorn started by
docker/entrypoint.sh (docker/gunicorn.conf.py, production timeout 60 s), production settings,
SQLite and local disk in a temporary folder; bench/stack.py starts them.

Figures and targets:

* ``/healthz`` latency (p50, max) through nginx while STALLED connections (default 50) never
  finish their headers: max under 1 s;
* a throttled upload (default 50 MB at 256 kbit/s, about 27 minutes) answered 201, its bytes
  stored with the same SHA-256;
* for comparison, gunicorn alone: whether ``/healthz`` answers within 1 s while as many
  connections as it has workers are stalled (it does not).

Run by hand (the test suite runs ``--small``: 64 KiB at 256 kbit/s with a 1 s worker timeout,
a few seconds, no target checked)::

    .venv/bin/python bench/slow_clients.py [--small] [--stalled 50] [--size-mb 50] [--kbit 256]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

import stack
from common import log, machine_info, repo_on_path

repo_on_path()

from tests.filemakers import make_large_pdf  # noqa: E402

WORKERS = 2


def healthz_latencies(port: int, count: int) -> list[float]:
    seconds = []
    for _ in range(count):
        started = time.monotonic()
        status, body, _ = stack.request(port, "GET", "/healthz", timeout=10)
        if status != 200:
            raise SystemExit(f"/healthz answered {status}: {body[:200]!r}")
        seconds.append(time.monotonic() - started)
    return seconds


def gunicorn_alone_answers(port: int) -> bool:
    """Whether gunicorn alone answers /healthz within 1 s with WORKERS stalled connections."""
    sockets = stack.stall(port, WORKERS)
    try:
        time.sleep(0.5)
        stack.request(port, "GET", "/healthz", timeout=1)
        return True
    except (TimeoutError, OSError):
        return False
    finally:
        for sock in sockets:
            sock.close()


def measure_stalled(running: stack.Stack, stalled: int, samples: int) -> dict:
    quiet = healthz_latencies(running.port, samples)
    sockets = stack.stall(running.port, stalled)
    try:
        time.sleep(0.5)
        loaded = healthz_latencies(running.port, samples)
    finally:
        for sock in sockets:
            sock.close()
    return {"quiet_p50": statistics.median(quiet), "p50": statistics.median(loaded),
            "max": max(loaded), "alone": gunicorn_alone_answers(running.gunicorn.port)}


def measure_upload(running: stack.Stack, account: dict, path: Path, kbit: float,
                   media_root: Path) -> dict:
    data = path.read_bytes()
    rate = kbit * 1000 / 8
    log(f"uploading {len(data) / 1e6:.2f} MB at {kbit:g} kbit/s "
        f"(about {len(data) / rate / 60:.1f} min)")
    answer = stack.slow_upload(running.port, account["token"], account["evidence"][0], path.name,
                               data, bytes_per_second=rate, timeout=7200)
    digest = hashlib.sha256(data).hexdigest()
    stored = stack.stored_digest(media_root, account["organization"], digest)
    return {"status": answer.status, "seconds": answer.seconds, "bytes": len(data),
            "stored": stored == digest, "payload": answer.payload}


def report(args, stalled: dict, upload: dict, timeout: int) -> bool:
    print(f"machine: {machine_info()}")
    print(f"gunicorn: {WORKERS} sync workers, worker timeout {timeout} s; nginx in front")
    print(f"/healthz through nginx, quiet: p50 {stalled['quiet_p50'] * 1000:.1f} ms")
    print(f"/healthz through nginx with {args.stalled} stalled connections: "
          f"p50 {stalled['p50'] * 1000:.1f} ms, max {stalled['max'] * 1000:.1f} ms")
    print(f"gunicorn alone with {WORKERS} stalled connections answers /healthz within 1 s: "
          f"{'yes' if stalled['alone'] else 'no'}")
    print(f"upload {upload['bytes'] / 1e6:.2f} MB at {args.kbit:g} kbit/s: status "
          f"{upload['status']} after {upload['seconds']:.1f} s, bytes stored with the same "
          f"SHA-256: {'yes' if upload['stored'] else 'no'}")
    if upload["status"] != 201:
        print(f"  answer: {upload['payload']}")
    checks = {
        "healthz max < 1 s with stalled connections": stalled["max"] < 1.0,
        f"upload outlasting the worker timeout ({timeout} s) answered 201 and stored":
            upload["status"] == 201 and upload["stored"] and upload["seconds"] > timeout,
    }
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return all(checks.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true",
                        help="64 KiB at 256 kbit/s, worker timeout 1 s: seconds, no target")
    parser.add_argument("--stalled", type=int, default=50)
    parser.add_argument("--size-mb", type=float, default=50.0, help="upload size in MB (10^6)")
    parser.add_argument("--kbit", type=float, default=256.0, help="client speed in kbit/s")
    parser.add_argument("--samples", type=int, default=50, help="/healthz requests per figure")
    args = parser.parse_args()
    if stack.nginx_binary() is None:
        raise SystemExit("nginx is not installed (apt-get install -y --no-install-recommends "
                         "nginx, or `make system-packages` as root)")
    size = 64 * 1024 if args.small else int(args.size_mb * 1e6)
    timeout = 1 if args.small else 60
    with tempfile.TemporaryDirectory(prefix="bench-slow-clients-") as tmp:
        data_dir = Path(tmp)
        env = stack.production_env(data_dir)
        (account,) = stack.prepare(env)
        pdf = make_large_pdf(data_dir / "attestation.pdf", size)
        with contextlib.ExitStack() as stop:
            running = stop.enter_context(stack.running(env, data_dir, workers=WORKERS,
                                                       timeout=timeout))
            stalled = measure_stalled(running, args.stalled, 10 if args.small else args.samples)
            upload = measure_upload(running, account, pdf, args.kbit, data_dir / "files")
        ok = report(args, stalled, upload, timeout)
    return 0 if ok or args.small else 1


if __name__ == "__main__":
    sys.exit(main())
