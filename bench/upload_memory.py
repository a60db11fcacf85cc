#!/usr/bin/env python
"""Benchmark: upload of a large PDF through the API on a live (gunicorn) server.

Targets (from the issue), measured in one run on the same machine and disk:

* peak resident memory growth of the serving process (the gunicorn worker) at most 64 MB;
* upload wall time at most 2.5x the time of ``sha256sum FILE`` plus ``cp FILE`` (same file,
  same disk, same run).

Run by hand; the test suite runs only its small mode (``--small``: a 2 MiB file, one round,
no target checked)::

    .venv/bin/python bench/upload_memory.py [--small] [--size-mb 200] [--repeat 3]
                                           [--database-url URL] [--keep] [--workdir DIR]

See bench/README.md for what is measured and how.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from common import REPO, django_env, log, machine_info, redact, repo_on_path, temporary_data_dir
from tqdm import tqdm

repo_on_path()

from tests.filemakers import make_large_pdf  # noqa: E402

MB = 1024 * 1024
MEMORY_TARGET_MB = 64.0
RATIO_TARGET = 2.5
CLIENT_CHUNK = 1 * MB
HOST = "127.0.0.1"


# ----------------------------------------------------------------------------------- helpers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def proc_status(pid: int) -> dict[str, int]:
    """Memory lines of /proc/<pid>/status, in kB."""
    values = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            key, _, rest = line.partition(":")
            if key.startswith("Vm") or key.startswith("Rss"):
                parts = rest.split()
                if parts and parts[0].isdigit():
                    values[key] = int(parts[0])
    return values


def reset_peak_rss(pid: int) -> bool:
    """Reset VmHWM to the current RSS (``echo 5 > /proc/<pid>/clear_refs``, Linux >= 4.0)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def children_of(pid: int) -> list[int]:
    found: list[int] = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(p) for p in children.read_text().split()]
        except OSError:
            continue
    return sorted(set(found))


def sha256_of(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CLIENT_CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def mutate(path: Path, round_number: int) -> None:
    """Change 32 bytes in the middle of the random padding so each upload has new content
    (the duplicate check would otherwise answer 409, and the content-addressed store would
    skip the copy). The PDF stays valid: /Length and offsets are unchanged."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(size // 2 + round_number * 4096)
        handle.write(secrets.token_bytes(32))


def run(cmd: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"command failed ({result.returncode}): {' '.join(cmd)}")
    return result


# ------------------------------------------------------------------------------------- setup

SETUP_CODE = r"""
import json
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from audit_prep.models import Membership, Organization
from audit_prep.roles import Role
from evidence import services

suffix = {suffix!r}
User = get_user_model()
user = User.objects.create_user(username="bench-" + suffix, password={password!r})
org = Organization.objects.create(name="Bench " + suffix, slug="bench-" + suffix)
Membership.objects.create(user=user, organization=org, role=Role.QUALITY_MANAGER)
evidence = services.create_evidence(
    user, org,
    {{"title": "Upload benchmark " + suffix, "kind": "document",
      "effective_date": timezone.localdate()}},
)
with connection.cursor() as cursor:
    if connection.vendor == "sqlite":
        cursor.execute("select sqlite_version()")
    else:
        cursor.execute("select version()")
    version = cursor.fetchone()[0].split(",")[0]
print("BENCH_SETUP " + json.dumps({{
    "username": user.username, "evidence": evidence.pk, "organization": org.pk,
    "vendor": connection.vendor, "version": version,
}}))
"""


def server_env(data_dir: Path, database_url: str | None, size_bytes: int) -> dict:
    # Nothing from the caller's shell may change what is measured. debug=False: production
    # settings, served on HOST (127.0.0.1).
    return django_env(
        data_dir, database_url, debug=False,
        scrub=("MEDIA_ROOT", "STATIC_ROOT", "CELERY_BROKER_DIR", "CACHE_URL", "STORAGE_BACKEND",
               "DJANGO_SETTINGS_MODULE", "PYTHONTRACEMALLOC"),
        STORAGE_BACKEND="local", UPLOAD_MAX_BYTES=str(max(300 * MB, size_bytes + 16 * MB)),
        CELERY_BROKER_URL="memory://", CELERY_TASK_ALWAYS_EAGER="false",
        FILE_UPLOAD_TEMP_DIR=str(data_dir / "upload-tmp"), LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1")


def prepare_database(env: dict) -> dict:
    python = sys.executable
    log("manage.py migrate")
    run([python, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    suffix = secrets.token_hex(4)
    password = secrets.token_urlsafe(18)
    code = SETUP_CODE.format(suffix=suffix, password=password)
    out = run([python, "manage.py", "shell", "-c", code], env).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH_SETUP "))
    info = json.loads(line.removeprefix("BENCH_SETUP "))
    info["password"] = password
    return info


# ------------------------------------------------------------------------------------ server


class Server:
    def __init__(self, env: dict, data_dir: Path):
        self.env = env
        self.port = free_port()
        self.log_path = data_dir / "gunicorn.log"
        self.process: subprocess.Popen | None = None
        self.worker_pid: int | None = None

    def start(self) -> None:
        cmd = [
            sys.executable, "-m", "gunicorn", "audit_prep.wsgi:application",
            "--bind", f"{HOST}:{self.port}", "--workers", "1", "--timeout", "600",
            # gunicorn 27's control socket defaults to one path per user (~/.gunicorn):
            # a benchmark must not take it from a server running next to it.
            "--no-control-socket",
        ]
        log(f"starting {' '.join(cmd[1:])}")
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            cmd, env=self.env, cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}):\n{self.tail()}")
            try:
                status, _ = self.request("GET", "/healthz", timeout=2)
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit(f"gunicorn did not answer /healthz in 60 s:\n{self.tail()}")
        while time.monotonic() < deadline:
            workers = children_of(self.process.pid)
            if workers:
                if len(workers) > 1:
                    log(f"several children of the master: {workers}; measuring {workers[0]}")
                self.worker_pid = workers[0]
                return
            time.sleep(0.1)
        raise SystemExit("no gunicorn worker process found")

    def request(self, method: str, path: str, body=None, headers=None, timeout=30):
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "_log", None):
            self._log.close()


# ------------------------------------------------------------------------------------ upload


@dataclass
class UploadResult:
    seconds: float
    sent_seconds: float
    status: int
    payload: dict
    rss_before_kb: int
    hwm_after_kb: int
    rss_after_kb: int


def upload(server: Server, token: str, evidence_id: int, path: Path, *, progress: bool,
           label: str = "") -> UploadResult:
    """POST the file as multipart/form-data, streamed from disk in CLIENT_CHUNK pieces with a
    computed Content-Length (the client never holds the file in memory)."""
    size = path.stat().st_size
    boundary = "audit-prep-bench-" + secrets.token_hex(16)
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="note"\r\n\r\n'
        "upload benchmark\r\n"
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="files"; filename="{path.name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + size + len(tail)
    bar = tqdm(total=size, unit="B", unit_scale=True, unit_divisor=1024, desc=label,
               leave=False, disable=None if progress else True, file=sys.stderr)
    sent_at = [0.0]

    def body():
        yield head
        with path.open("rb") as handle:
            while chunk := handle.read(CLIENT_CHUNK):
                yield chunk
                bar.update(len(chunk))
        yield tail
        sent_at[0] = time.perf_counter()

    headers = {
        "Authorization": f"Token {token}",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(length),
        "Accept": "application/json",
    }
    pid = server.worker_pid
    settle()
    rss_before = proc_status(pid)["VmRSS"]
    reset_peak_rss(pid)
    conn = http.client.HTTPConnection(HOST, server.port, timeout=900)
    try:
        start = time.perf_counter()
        conn.request("POST", f"/api/v1/evidence/{evidence_id}/revisions/", body=body(),
                     headers=headers)
        response = conn.getresponse()
        raw = response.read()
        end = time.perf_counter()
    finally:
        conn.close()
        bar.close()
    memory = proc_status(pid)
    try:
        payload = json.loads(raw)
    except ValueError:
        payload = {"raw": raw[:500].decode(errors="replace")}
    return UploadResult(
        seconds=end - start, sent_seconds=(sent_at[0] or end) - start, status=response.status,
        payload=payload, rss_before_kb=rss_before, hwm_after_kb=memory["VmHWM"],
        rss_after_kb=memory["VmRSS"],
    )


def settle() -> None:
    """Flush dirty pages before a timed step, so no step pays for the write-back of the one
    before it (the kernel throttles writers while earlier writes are being flushed)."""
    os.sync()


def baseline(path: Path, copy_to: Path) -> tuple[float, float]:
    """Seconds of `sha256sum FILE` and of `cp FILE COPY` (fresh destination)."""
    copy_to.unlink(missing_ok=True)
    settle()
    start = time.perf_counter()
    subprocess.run(["sha256sum", str(path)], check=True, stdout=subprocess.DEVNULL)
    hashed = time.perf_counter()
    subprocess.run(["cp", str(path), str(copy_to)], check=True)
    copied = time.perf_counter()
    copy_to.unlink()
    return hashed - start, copied - hashed


# ------------------------------------------------------------------------------------ report


def mb(kb: float) -> float:
    return kb / 1024


def sign_in(server: Server, info: dict) -> str:
    """The API token of the bench user."""
    status, raw = server.request(
        "POST", "/api/v1/auth/token/",
        body=json.dumps({"username": info["username"], "password": info["password"]}),
        headers={"Content-Type": "application/json"},
    )
    if status != 200:
        raise SystemExit(f"token: HTTP {status} {raw[:300]!r}")
    return json.loads(raw)["token"]


def measure_rounds(args, server: Server, token: str, evidence: int, source: Path, copy_to: Path,
                   size: int) -> tuple[list[UploadResult], list[tuple[float, float]]]:
    """`args.repeat` rounds of a changed file: the sha256sum + cp baseline, then its upload,
    checked against the digest and size the server reports."""
    progress = not args.no_progress
    uploads: list[UploadResult] = []
    baselines: list[tuple[float, float]] = []
    rounds = tqdm(range(args.repeat), desc="rounds", unit="round",
                  disable=None if progress else True, file=sys.stderr)
    for number in rounds:
        mutate(source, number)
        expected = sha256_of(source)  # also leaves the file in the page cache for both
        baselines.append(baseline(source, copy_to))
        result = upload(server, token, evidence, source, progress=progress,
                        label=f"upload {number + 1}/{args.repeat}")
        files = result.payload.get("files") or [{}]
        if result.status != 201:
            raise SystemExit(f"upload {number + 1}: HTTP {result.status} {result.payload}"
                             f"\n{server.tail()}")
        if files[0].get("sha256") != expected or files[0].get("size") != size:
            raise SystemExit(f"upload {number + 1}: server reports {files[0]}, "
                             f"expected sha256 {expected} and size {size}")
        uploads.append(result)
        log(f"round {number + 1}: upload {result.seconds:.2f} s (body sent at "
            f"{result.sent_seconds:.2f} s), sha256sum {baselines[-1][0]:.2f} s + cp "
            f"{baselines[-1][1]:.2f} s, worker RSS {mb(result.rss_before_kb):.1f} -> peak "
            f"{mb(result.hwm_after_kb):.1f} MiB (after {mb(result.rss_after_kb):.1f})")
    return uploads, baselines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true",
                        help="a few seconds: a 2 MiB file, one round, no target checked")
    parser.add_argument("--size-mb", type=int, default=200, help="file size in MiB (200)")
    parser.add_argument("--repeat", type=int, default=3, help="uploads and baselines (3)")
    parser.add_argument("--database-url", help="DATABASE_URL of the server (default: SQLite "
                        "in the temporary DATA_DIR); bench rows are left in that database")
    parser.add_argument("--keep", action="store_true", help="keep the temporary DATA_DIR")
    parser.add_argument("--workdir", help="parent of the temporary DATA_DIR (default: the "
                        "system temporary directory); pick the disk you want to measure")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bars (off anyway when stderr is not a terminal)")
    args = parser.parse_args(argv)
    if args.small:
        args.size_mb, args.repeat = 2, 1
    if args.repeat < 1 or args.size_mb < 1:
        parser.error("--size-mb and --repeat must be positive")

    size = args.size_mb * MB
    with temporary_data_dir("audit-prep-bench-", workdir=args.workdir,
                            keep=args.keep) as data_dir:
        (data_dir / "upload-tmp").mkdir()
        (data_dir / "static").mkdir()  # STATIC_ROOT: whitenoise warns when it is missing
        source = data_dir / "src" / f"bench-{args.size_mb}mb.pdf"
        warmup_file = data_dir / "src" / "warmup.pdf"
        copy_to = data_dir / "copy.pdf"
        env = server_env(data_dir, args.database_url, size)
        server = Server(env, data_dir)
        try:
            log(f"DATA_DIR {data_dir}")
            started = time.perf_counter()
            make_large_pdf(source, size)
            make_large_pdf(warmup_file, 64 * 1024)
            log(f"made {source.name} ({size} bytes) in {time.perf_counter() - started:.1f} s")

            info = prepare_database(env)
            server.start()
            log(f"gunicorn master {server.process.pid}, worker {server.worker_pid}, "
                f"port {server.port}")
            token = sign_in(server, info)

            warm = upload(server, token, info["evidence"], warmup_file, progress=False)
            if warm.status != 201:
                raise SystemExit(f"warm-up upload: HTTP {warm.status} {warm.payload}\n"
                                 f"{server.tail()}")
            baseline_rss = proc_status(server.worker_pid)["VmRSS"]
            hwm_resettable = reset_peak_rss(server.worker_pid)
            if not hwm_resettable:
                log("cannot reset VmHWM (clear_refs); peaks are cumulative since worker start")

            uploads, baselines = measure_rounds(args, server, token, info["evidence"], source,
                                                copy_to, size)

            report(args, size, info, server, data_dir, baseline_rss, hwm_resettable, uploads,
                   baselines)
            if args.small:
                print("small mode: no target checked")
                return 0
            ok = (statistics.median(u.seconds for u in uploads)
                  / statistics.median(h + c for h, c in baselines) <= RATIO_TARGET
                  and peak_growth(uploads, baseline_rss) <= MEMORY_TARGET_MB)
            return 0 if ok else 1
        finally:
            server.stop()


def peak_growth(uploads: list[UploadResult], baseline_rss_kb: int) -> float:
    """Worst peak RSS of the worker during an upload, above the post-warm-up baseline, in MiB."""
    return mb(max(u.hwm_after_kb for u in uploads) - baseline_rss_kb)


def report(args, size, info, server, data_dir, baseline_rss, hwm_resettable, uploads,
           baselines) -> None:
    import django
    import gunicorn

    machine = machine_info(disk_of=data_dir)
    up = [u.seconds for u in uploads]
    sent = [u.sent_seconds for u in uploads]
    hashes = [h for h, _ in baselines]
    copies = [c for _, c in baselines]
    base = [h + c for h, c in baselines]
    ratio = statistics.median(up) / statistics.median(base)
    growth = peak_growth(uploads, baseline_rss)
    per_upload = [mb(u.hwm_after_kb - u.rss_before_kb) for u in uploads]
    database = (f"{info['vendor']} {info['version']}"
                + (f" ({redact(args.database_url)})" if args.database_url else
                   " (SQLite file in DATA_DIR)"))

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    rows = [
        ("file size", f"{size / MB:.0f} MiB ({size} bytes)", "", ""),
        ("upload wall time, median", f"{statistics.median(up):.2f} s", "", ""),
        ("upload wall time, min", f"{min(up):.2f} s", "", ""),
        ("  of which body sent (median)", f"{statistics.median(sent):.2f} s", "", ""),
        ("  after body sent (median)",
         f"{statistics.median(u - s for u, s in zip(up, sent, strict=True)):.2f} s", "", ""),
        ("upload throughput (median)", f"{size / MB / statistics.median(up):.0f} MiB/s", "", ""),
        ("baseline sha256sum, median", f"{statistics.median(hashes):.2f} s", "", ""),
        ("baseline cp, median", f"{statistics.median(copies):.2f} s", "", ""),
        ("baseline sha256sum + cp, median", f"{statistics.median(base):.2f} s", "", ""),
        ("ratio upload / baseline (medians)", f"{ratio:.2f}", f"<= {RATIO_TARGET}",
         verdict(ratio <= RATIO_TARGET)),
        ("ratio upload median / fastest baseline", f"{statistics.median(up) / min(base):.2f}",
         "", ""),
        ("worker RSS baseline (after warm-up)", f"{mb(baseline_rss):.1f} MiB", "", ""),
        ("worker peak RSS (VmHWM), max", f"{mb(max(u.hwm_after_kb for u in uploads)):.1f} MiB",
         "", ""),
        ("peak RSS growth", f"{growth:.1f} MiB", f"<= {MEMORY_TARGET_MB:.0f} MiB",
         verdict(growth <= MEMORY_TARGET_MB)),
        ("client (this script) peak RSS",
         f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB", "", ""),
    ]
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(r[1]) for r in rows)
    lines = [
        "",
        "== audit-prep upload benchmark",
        f"machine : {machine['nproc']} CPU, {machine['cpu']}, {machine['memory']} RAM, "
        f"kernel {machine['kernel']}",
        f"disk    : {machine['disk']}",
        f"software: {machine['python']}, Django {django.get_version()}, "
        f"gunicorn {gunicorn.__version__} (1 sync worker)",
        f"database: {database}",
        f"rounds  : {args.repeat} (each: new content, sha256sum + cp, then upload)",
        "",
        f"| {'measure'.ljust(width)} | {'value'.ljust(vwidth)} | target    | result |",
        f"|{'-' * (width + 2)}|{'-' * (vwidth + 2)}|-----------|--------|",
    ]
    for name, value, target, result in rows:
        lines.append(f"| {name.ljust(width)} | {value.ljust(vwidth)} | {target.ljust(9)} | "
                     f"{result.ljust(6)} |")
    lines += [
        "",
        "per round: upload s / sha256sum s / cp s / peak RSS growth over the RSS just before (MiB)",
    ]
    for number, (u, h, c, g) in enumerate(zip(up, hashes, copies, per_upload, strict=True), 1):
        lines.append(f"  {number}: {u:.2f} / {h:.2f} / {c:.2f} / {g:.1f}")
    if not hwm_resettable:
        lines.append("note: VmHWM could not be reset; peaks are cumulative since worker start")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
