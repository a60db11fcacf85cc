"""Helpers shared by the benchmark scripts of this folder.

The scripts are run as ``python bench/<name>.py``, so this folder is first on ``sys.path`` and
they import this module as ``common``. It needs nothing beyond the standard library at import
time: Django, psycopg and tqdm are imported only by the helpers that use them.
"""

from __future__ import annotations

import contextlib
import os
import platform
import secrets
import shutil
import string
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"

# Variables of the caller's shell that would change what is measured (the scripts that
# configure Django in-process add their own to these).
SCRUBBED_ENV = ("DATABASE_URL", "DATABASE_CONN_MAX_AGE", "CACHE_URL", "DJANGO_SETTINGS_MODULE",
                "MEDIA_ROOT", "STATIC_ROOT", "STORAGE_BACKEND", "CELERY_BROKER_URL",
                "CELERY_TASK_ALWAYS_EAGER", "TIME_ZONE", "LOG_LEVEL")


# ------------------------------------------------------------------------------------ output


def log(message: str) -> None:
    """A progress line on stderr. When the script uses tqdm, the line is written above its
    progress bars (through ``tqdm.write``), so that no bar is broken by it."""
    if "tqdm" in sys.modules:
        from tqdm import tqdm

        tqdm.write(f"[bench] {message}", file=sys.stderr)
    else:
        print(f"[bench] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------- database URLs


def with_database(url: str, name: str) -> str:
    """`url` with its database name replaced by `name`."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def redact(url: str) -> str:
    """`url` with its password, if any, shown as ``***``."""
    parts = urllib.parse.urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
    return urllib.parse.urlunsplit(parts)


def admin_execute(admin_url: str, sql: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE) on `admin_url`."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


def create_database(admin_url: str, name: str) -> None:
    admin_execute(admin_url, f'CREATE DATABASE "{name}"')


def drop_database(admin_url: str, name: str) -> None:
    admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def throwaway_database(admin_url: str, *, keep: bool = False) -> Iterator[tuple[str, Path]]:
    """A new PostgreSQL database (audit_prep_bench_<random>) and DATA_DIR, yielded as
    (database URL, DATA_DIR); both removed on exit (SIGTERM included) unless `keep`."""
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup below
    name = f"audit_prep_bench_{secrets.token_hex(4)}"
    data_dir = Path(tempfile.mkdtemp(prefix="audit-prep-bench-"))
    (data_dir / "static").mkdir()
    create_database(admin_url, name)
    log(f"database {redact(with_database(admin_url, name))}, DATA_DIR {data_dir}")
    try:
        yield with_database(admin_url, name), data_dir
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if keep:
            log(f"kept database {name} and {data_dir}")
        else:
            drop_database(admin_url, name)
            shutil.rmtree(data_dir, ignore_errors=True)
            log(f"dropped database {name}")


# ---------------------------------------------------------------------------------- Django


def django_env(data_dir: Path, database_url: str | None = None, *, scrub=(), debug: bool = True,
               **extra: str) -> dict[str, str]:
    """The environment of a benchmarked Django process: this process's, less DATABASE_URL and
    the names in `scrub`, with the settings module, DATA_DIR, the `extra` variables, and
    DATABASE_URL when `database_url` is given (SQLite in DATA_DIR otherwise).

    With ``debug=False`` it is configured as in production (a random secret key, served on
    127.0.0.1 without the HTTPS redirect), which also keeps Django's query log out of memory.
    """
    scrubbed = {"DATABASE_URL", *scrub}
    env = {k: v for k, v in os.environ.items() if k not in scrubbed}
    env["DJANGO_SETTINGS_MODULE"] = "audit_prep.settings"
    if debug:
        env["DJANGO_DEBUG"] = "true"
    else:
        alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
        env.update({
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(50)),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
        })
    env["DATA_DIR"] = str(data_dir)
    env.update(extra)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def repo_on_path() -> None:
    """Make the project's packages importable from this process."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))


def migrate(env: dict[str, str]) -> None:
    """``manage.py migrate`` in a subprocess with the environment `env`."""
    subprocess.run([sys.executable, str(REPO / "manage.py"), "migrate", "--noinput", "-v0"],
                   cwd=REPO, env=env, check=True)


def setup_django(env: dict[str, str]) -> None:
    """Make `env` this process's environment, then set Django up in it."""
    os.environ.clear()
    os.environ.update(env)
    repo_on_path()
    import django

    django.setup()


def configure_django(database_url: str, data_dir: Path, *, scrub=(), **extra_env: str) -> None:
    """Set Django up in this process (debug settings), on `database_url`, with CELERY_BROKER_URL
    ``memory://``, LOG_LEVEL ``WARNING`` and `extra_env`; SCRUBBED_ENV and `scrub` removed."""
    setup_django(django_env(data_dir, database_url, scrub=(*SCRUBBED_ENV, *scrub),
                            CELERY_BROKER_URL="memory://", LOG_LEVEL="WARNING", **extra_env))


@contextlib.contextmanager
def temporary_data_dir(prefix: str, *, workdir: str | None = None,
                       keep: bool = False) -> Iterator[Path]:
    """A new DATA_DIR under `workdir` (default: the system temporary directory), removed on
    exit unless `keep`."""
    data_dir = Path(tempfile.mkdtemp(prefix=prefix, dir=workdir))
    try:
        yield data_dir
    finally:
        if keep:
            log(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


# --------------------------------------------------------------------------------- machine


def proc_value(path: str, name: str) -> str | None:
    """The value of the first ``name: value`` line of a /proc file such as /proc/cpuinfo or
    /proc/meminfo, None when there is none."""
    for line in Path(path).read_text().splitlines():
        if line.startswith(name):
            return line.split(":", 1)[1].strip()
    return None


def cpu_model() -> str:
    return proc_value("/proc/cpuinfo", "model name") or platform.processor() or "?"


def mem_total_kib() -> int:
    value = proc_value("/proc/meminfo", "MemTotal:")
    return int(value.split()[0]) if value else 0


def machine_info(disk_of: Path | None = None) -> dict[str, str]:
    """CPU count, model, memory, kernel and Python; with `disk_of`, the line of ``df -h`` for
    the file system of that path."""
    info = {
        "nproc": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
        "cpu": cpu_model(),
        "memory": f"{mem_total_kib() / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
    }
    if disk_of is not None:
        df = subprocess.run(["df", "-h", "--output=source,fstype,size,avail,target",
                             str(disk_of)], capture_output=True, text=True
                            ).stdout.strip().splitlines()
        info["disk"] = df[-1] if df else "?"
    return info
