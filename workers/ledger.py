"""The task-run ledger and the request id carried from the request that enqueued a task to the
logs and audit events the task writes. Connected to Celery's signals in `workers.apps`."""

import logging
from contextvars import Token

from celery import signals
from django.db import DatabaseError
from django.utils import timezone

from audit_prep.request_id import (
    current_client_request_id,
    current_request_id,
    reset_request_id,
    set_request_id,
)

logger = logging.getLogger(__name__)
_tokens: dict[str, Token] = {}  # task id -> the request ids token to reset


@signals.before_task_publish.connect
def carry_request_id(headers=None, **kwargs):
    request_id = current_request_id()
    if headers is not None and request_id and "request_id" not in headers:
        headers["request_id"] = request_id
        headers["client_request_id"] = current_client_request_id()


def _safe(write):
    """The ledger must never break the work it records."""
    try:
        write()
    except DatabaseError:
        logger.exception("task ledger write failed")


@signals.task_prerun.connect
def task_started(task_id=None, task=None, args=None, **kwargs):
    from .models import TaskRun

    request_id = getattr(task.request, "request_id", None) or task_id
    _tokens[task_id] = set_request_id(
        request_id, getattr(task.request, "client_request_id", None) or "")

    def write():
        run, created = TaskRun.objects.get_or_create(
            task_id=task_id,
            defaults={"name": task.name, "args": list(args or []), "status": "started",
                      "attempts": 1, "request_id": request_id, "started_at": timezone.now()},
        )
        if not created:
            TaskRun.objects.filter(pk=run.pk).update(
                status="started", attempts=run.attempts + 1, started_at=timezone.now(),
                finished_at=None)

    _safe(write)


def _finish(task_id, status, error="", result=""):
    from .models import TaskRun

    def write():
        now = timezone.now()
        run = TaskRun.objects.filter(task_id=task_id).first()
        if run is not None:
            TaskRun.objects.filter(pk=run.pk).update(
                status=status, error=error[:5000], result=str(result)[:200], finished_at=now,
                duration_ms=int((now - run.started_at).total_seconds() * 1000))

    _safe(write)


@signals.task_postrun.connect
def task_finished(task_id=None, state=None, retval=None, **kwargs):
    if state == "SUCCESS":
        _finish(task_id, "succeeded", result=retval if retval is not None else "")
    token = _tokens.pop(task_id, None)
    if token is not None:
        reset_request_id(token)


@signals.task_retry.connect
def task_retried(request=None, reason=None, **kwargs):
    _finish(request.id, "retry", error=str(reason))


@signals.task_failure.connect
def task_failed(task_id=None, exception=None, **kwargs):
    _finish(task_id, "failed", error=repr(exception))
