"""Enqueueing background work, by task name with ids only, and running work after commit.

Apps enqueue through here so they never import the `workers` package. A broker outage never
fails the request that committed: the work is recorded in the database (e.g. a pending revision)
and a periodic sweep enqueues it again.
"""

import logging
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task_name: str, *args, **options) -> bool:
    """Send the task `task_name` with these ids now (`options`: Celery's, e.g. `countdown`,
    `expires`); False, logged, when the broker refused it."""
    from .celery import app

    try:
        app.tasks[task_name].apply_async(args=list(args), **options)
    except Exception:
        logger.exception("could not enqueue %s%s; the sweep will pick it up", task_name,
                         list(args))
        return False
    return True


def after_commit(function, *args, **kwargs) -> None:
    """Call `function(*args, **kwargs)` once the current transaction commits (at once outside
    one), never when it rolls back; an exception it raises is logged and does not propagate."""
    transaction.on_commit(partial(function, *args, **kwargs), robust=True)


def enqueue_after_commit(task_name: str, *args, **options) -> None:
    """`enqueue` when the current transaction commits; nothing when it rolls back.
    `options`: Celery's, e.g. `countdown` (seconds to wait before it runs)."""
    after_commit(enqueue, task_name, *args, **options)
