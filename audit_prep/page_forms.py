"""What every page that changes something shares with the API: the same services raise the same
refusals; a page shows their messages beside the form instead of a JSON body.

`refusals(call)` runs one service call and returns the messages of its refusal (none on
success). A refusal of the role (a forged POST) or of an unknown object stays what it is in the
API: a 403 or a 404 page, never a message on the form."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import ngettext
from rest_framework import exceptions

from .api.errors import ApiError


def error_messages(detail: Any) -> list[str]:
    """Every message of a refusal's detail (a string, a list or a dict of them, nested), in
    order. A message of the API's refusals keeps its stable code (DRF's `ErrorDetail`, a str
    with a `code`), which a page may show as a data attribute."""
    if isinstance(detail, dict):
        return [text for value in detail.values() for text in error_messages(value)]
    if isinstance(detail, list | tuple):
        return [text for value in detail for text in error_messages(value)]
    if isinstance(detail, exceptions.ErrorDetail):
        return [detail]
    return [str(getattr(detail, "message", detail))]


def field_errors(form) -> dict[str, list[str]]:
    """The messages of a serializer's validation errors, by field (to show beside each)."""
    return {name: error_messages(errors) for name, errors in form.errors.items()}


def filled(post, names) -> dict:
    """The fields of a posted form that were filled in: an empty one is left to the
    serializer's default, as a field absent from an API body is."""
    return {name: post[name] for name in names if post.get(name, "") != ""}


def refusals(call: Callable[[], Any]) -> list[str]:
    """Run `call`; the messages of the validation refusal it raised, or [] when it succeeded."""
    try:
        call()
    except (exceptions.PermissionDenied, exceptions.NotAuthenticated) as refusal:
        raise DjangoPermissionDenied(str(refusal.detail)) from refusal
    except exceptions.NotFound as refusal:
        raise Http404(str(refusal.detail)) from refusal
    except exceptions.APIException as refusal:
        return error_messages(refusal.detail)
    except DjangoValidationError as refusal:
        return error_messages(refusal.message_dict if hasattr(refusal, "error_dict")
                              else refusal.messages)
    return []


def import_refusals(read: Callable[[], Any], save: Callable[[Any], Any]
                    ) -> tuple[list[str], list[dict]]:
    """An import from a file as a page runs it: `read()` gives the rows (or raises the API's
    refusal, whose `details["rows"]` lists every problem of every row), `save(rows)` writes
    them. Returns (the refusal's messages, the problems of the rows as {row, column, message}),
    both empty on success."""
    problems: list[dict] = []

    def run():
        try:
            rows = read()
        except ApiError as error:
            problems.extend({"row": problem["row"],
                             "column": problem.get("column", problem.get("field", "")),
                             "message": problem["message"]}
                            for problem in error.details.get("rows", []))
            raise
        save(rows)

    return refusals(run), problems


def announce_import(request, report: list[dict]) -> None:
    """Say in the page's messages what an import did, from its report (rows with `result`)."""
    counts = {result: sum(1 for row in report if row["result"] == result)
              for result in ("created", "updated", "unchanged")}
    messages.success(request, ngettext(
        "%(count)d row imported: %(created)d created, %(updated)d updated, %(unchanged)d "
        "unchanged.", "%(count)d rows imported: %(created)d created, %(updated)d updated, "
        "%(unchanged)d unchanged.", len(report)) % {"count": len(report), **counts})
