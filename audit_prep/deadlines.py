"""Deadlines that apps announce, for the reminders to deliver (decision 0027).

An app that knows of something people must do by a date (plan a surveillance audit, answer an
evidence request, send a corrective-action plan) registers a *source*: a function that, for
today and a horizon in days, returns the `Deadline`s falling due by today + horizon, and that
stops returning one as soon as it is done. `notices.deadlines` calls the sources, records each
reminder in a ledger (one row per deadline, date, threshold and person) and delivers them. The
registry lives here, in the lowest layer, so that any app can register without importing the
app that delivers (layers: tests/test_layers.py)."""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

DEFAULT_THRESHOLDS = (30, 7, 0)


@dataclass(frozen=True)
class Deadline:
    """Something `recipient_ids` must do by `due_date` in one structure. `key` names the
    subject and what is due, stable across runs ("audits.milestone:12:surveillance_1");
    `describe()` says it in the active language; `link` is the path of the page where it is
    done. Reminders go out at each threshold (days before the date; 0: on the day and after)."""

    key: str
    organization_id: int
    due_date: datetime.date
    recipient_ids: tuple[int, ...]
    describe: Callable[[], str]
    link: str
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS


DeadlineSource = Callable[[datetime.date, int], Iterable[Deadline]]
_sources: list[DeadlineSource] = []


def register_deadline_source(source: DeadlineSource) -> DeadlineSource:
    if source not in _sources:
        _sources.append(source)
    return source


def deadlines(today: datetime.date, horizon_days: int) -> list[Deadline]:
    """Every registered source's deadlines due by `today` + `horizon_days`."""
    return [deadline for source in _sources for deadline in source(today, horizon_days)]
