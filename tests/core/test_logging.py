"""Logs carry the request id, and inside a task the task id too."""

import logging

from celery import shared_task

from audit_prep.request_id import RequestIdLogFilter, reset_request_id, set_request_id


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.addFilter(RequestIdLogFilter())
        self.records = []

    def emit(self, record):
        self.records.append(record)


@shared_task(name="tests.log_something")
def log_something():
    logging.getLogger("tests.logging").warning("inside the task")


def test_request_and_task_ids_are_on_every_record():
    handler = Collect()
    logger = logging.getLogger("tests.logging")
    logger.addHandler(handler)
    token = set_request_id("req-123")
    try:
        logger.warning("in a request")
        result = log_something.apply(task_id="task-456")
    finally:
        reset_request_id(token)
        logger.removeHandler(handler)
    assert result.successful()
    outside, inside = handler.records
    assert (outside.request_id, outside.task_id) == ("req-123", "-")
    assert inside.task_id == "task-456"
