"""Enqueueing background work: after commit, by task name, ids only.

Apps enqueue through here so they never import the `workers` package. A broker outage never
fails the request that committed: the work is recorded in the database (e.g. a pending revision)
and a periodic sweep enqueues it again.
"""

import logging
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)


def _send(task_name: str, args: list, options: dict) -> None:
    from .celery import app

    try:
        app.tasks[task_name].apply_async(args=args, **options)
    except Exception:
        logger.exception("could not enqueue %s%s; the sweep will pick it up", task_name, args)


def enqueue_after_commit(task_name: str, *args, countdown: int | None = None) -> None:
    """Send the task `task_name` with these ids when the current transaction commits (at once
    outside one); nothing when it rolls back. `countdown`: seconds to wait before it runs."""
    options = {} if countdown is None else {"countdown": countdown}
    transaction.on_commit(partial(_send, task_name, list(args), options), robust=True)
