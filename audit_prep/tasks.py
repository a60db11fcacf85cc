"""Enqueueing background work: after commit, by task name, ids only.

Apps enqueue through here so they never import the `workers` package. A broker outage never
fails the request that committed: the work is recorded in the database (e.g. a pending revision)
and a periodic sweep enqueues it again.
"""

import logging
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)


def _send(task_name: str, args: list) -> None:
    from .celery import app

    try:
        app.tasks[task_name].apply_async(args=args)
    except Exception:
        logger.exception("could not enqueue %s%s; the sweep will pick it up", task_name, args)


def enqueue_after_commit(task_name: str, *args) -> None:
    transaction.on_commit(partial(_send, task_name, list(args)), robust=True)
