"""Readiness: can this process do its work right now? (Liveness is `views.healthz`.)

`readyz` checks the three things a request or a task needs: the database answers `SELECT 1`,
the Celery broker accepts a connection, and the evidence store answers a cheap existence query.
It answers 200 when all three are fine, 503 otherwise, naming the failing checks and nothing
more: no URL, host, credential or stack trace leaves the process (the log names the exception
class only). Every check is bounded in time so that a probe never hangs on a dead dependency.

Core checks what it owns (the database, the broker); an app whose dependency a request needs
registers its own check with `register_check` from its AppConfig.ready (the vault registers
"storage"), so that core never imports the apps above it.
"""

import logging
from collections.abc import Callable

from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

BROKER_TIMEOUT = 2.0  # seconds, for connecting to the broker
OK = "ok"
FAILED = "unavailable"


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    """Open (and close) a new connection to the broker configured on the Celery app."""
    from .celery import app

    connection = app.connection_for_write(
        connect_timeout=BROKER_TIMEOUT,
        transport_options={
            # Redis: bound the TCP connect and the PING that opening a channel sends.
            "socket_connect_timeout": BROKER_TIMEOUT,
            "socket_timeout": BROKER_TIMEOUT,
        },
    )
    with connection:
        connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                     interval_max=0, timeout=BROKER_TIMEOUT)


# name -> a function raising when the dependency is not usable now.
CHECKS: dict[str, Callable[[], None]] = {"database": check_database, "broker": check_broker}


def register_check(name: str, check: Callable[[], None]) -> None:
    """Add (or replace) a readiness check; `check` raises when its dependency is unusable."""
    CHECKS[name] = check


@never_cache
@require_GET
def readyz(request):
    """200 {"status": "ready", "checks": {...: "ok"}} or 503 naming the failing checks."""
    checks = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure means "not ready"; details stay in the log
            logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
            checks[name] = FAILED
        else:
            checks[name] = OK
    failing = [name for name, result in checks.items() if result != OK]
    if failing:
        return JsonResponse({"status": "unavailable", "checks": checks, "failing": failing},
                            status=503)
    return JsonResponse({"status": "ready", "checks": checks})
