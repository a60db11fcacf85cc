"""gunicorn settings of the web role: `gunicorn --config docker/gunicorn.conf.py`, run by
docker/entrypoint.sh from /app (and, with the same file, by bench/stack.py for the tests and
benches that start the production set-up).

Production runs behind nginx (docker/nginx/audit-prep.conf.template), which reads each request
completely, body included, before it hands it over: a sync worker only ever receives a whole
request from a local peer, at local speed. `timeout` therefore bounds the app's own work on one
request (the longest: an export), never a client's upload speed; nginx waits a little longer
(proxy_read_timeout 75 s) so that the worker's timeout is the one that cuts.

Environment (parsed strictly; a bad value stops the server with the variable's name):
GUNICORN_BIND (default 0.0.0.0:8000), WEB_CONCURRENCY (workers, default 3),
GUNICORN_TIMEOUT (seconds, default 60).
"""

import os


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name}: a whole number of 1 or more is expected, not {raw!r}")
    return int(raw)


wsgi_app = "audit_prep.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "").strip() or "0.0.0.0:8000"]
worker_class = "sync"
workers = _positive_int("WEB_CONCURRENCY", 3)
timeout = _positive_int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
accesslog = "-"
# One server per container: the control socket (~/.gunicorn) is not used.
control_socket_disable = True


def post_worker_init(worker) -> None:
    """Once a worker has loaded the application, set everything built at start-up (modules,
    settings, URL patterns, the referential data cached...) aside from the garbage collector:
    its full collections then scan only what requests create. Without it, a checklist page at
    10,000 items (tens of thousands of short-lived objects) set off collections over the whole
    heap: median 193 ms, 124 ms with the heap frozen (bench/README.md, `pages.py`)."""
    import gc

    gc.collect()
    gc.freeze()
