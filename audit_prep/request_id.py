"""Request id: taken from a well-formed X-Request-ID header or generated, carried in a context
variable so that audit events, logs and enqueued tasks can name the request they came from."""

import logging
import re
import uuid
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("request_id", default="")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
HEADER = "X-Request-ID"


def current_request_id() -> str:
    return _request_id.get()


def set_request_id(value: str):
    """Set the id for the current context; returns a token for `reset_request_id`."""
    return _request_id.set(value)


def reset_request_id(token) -> None:
    _request_id.reset(token)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = set_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response[HEADER] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    """Adds `request_id` and, inside a Celery task, `task_id` to every log record."""

    def filter(self, record):
        record.request_id = current_request_id() or "-"
        record.task_id = "-"
        try:
            from celery import current_task

            if current_task and current_task.request.id:
                record.task_id = current_task.request.id
        except Exception:  # logging must never fail
            record.task_id = "-"
        return True
