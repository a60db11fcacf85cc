"""Request ids: the server's, generated for every request, returned in X-Request-ID and written
on audit events, logs and enqueued tasks; and the client's, a well-formed X-Request-ID it sent,
kept beside it (never in its place: a client could otherwise choose what the trail says about
which request did what)."""

import logging
import re
import uuid
from contextvars import ContextVar

# (server id, client id) of the request or task being handled.
_ids: ContextVar[tuple[str, str]] = ContextVar("request_ids", default=("", ""))
# What a client's id may look like; anything else is dropped (not stored, not logged).
CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
HEADER = "X-Request-ID"


def current_request_id() -> str:
    return _ids.get()[0]


def current_client_request_id() -> str:
    return _ids.get()[1]


def set_request_id(value: str, client_id: str = ""):
    """Set the ids for the current context; returns a token for `reset_request_id`."""
    return _ids.set((value, client_id))


def reset_request_id(token) -> None:
    _ids.reset(token)


def client_request_id(request) -> str:
    """The client's X-Request-ID when it is well formed, else ""."""
    value = request.headers.get(HEADER, "")
    return value if CLIENT_ID.match(value) else ""


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        request.client_request_id = client_request_id(request)
        token = set_request_id(request.request_id, request.client_request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response[HEADER] = request.request_id
        return response


class RequestIdLogFilter(logging.Filter):
    """Adds `request_id`, `client_request_id` and, inside a Celery task, `task_id` to every log
    record."""

    def filter(self, record):
        record.request_id = current_request_id() or "-"
        record.client_request_id = current_client_request_id() or "-"
        record.task_id = "-"
        try:
            from celery import current_task

            if current_task and current_task.request.id:
                record.task_id = current_task.request.id
        except Exception:  # logging must never fail
            record.task_id = "-"
        return True
