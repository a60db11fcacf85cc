"""The geometry of the readiness trend chart the home of a structure draws as inline SVG (no
script): the daily points placed on a date axis and a 0-100 % axis, with their tick marks.
The template draws it; the same points are listed in a table beside it for screen readers."""

import datetime
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 24, 16, 48  # room for the axis labels
PERCENT_TICKS = (0, 25, 50, 75, 100)
DATE_TICKS = 5


@dataclass
class Point:
    day: datetime.date
    score: float | None  # None: nothing to assess that day (no dot, a gap in the line)
    x: float = 0.0
    y: float = 0.0


@dataclass
class Chart:
    points: list[Point]
    width: int = WIDTH
    height: int = HEIGHT
    lines: list[str] = field(default_factory=list)  # polyline "x,y x,y", one per unbroken run
    x_ticks: list[tuple[float, datetime.date]] = field(default_factory=list)
    y_ticks: list[tuple[float, int]] = field(default_factory=list)
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def scored(self) -> list[Point]:
        return [point for point in self.points if point.score is not None]

    @property
    def first(self) -> Point | None:
        return self.scored[0] if self.scored else None

    @property
    def last(self) -> Point | None:
        return self.scored[-1] if self.scored else None


def _x(day: datetime.date, start: datetime.date, span_days: int) -> float:
    return round(LEFT + (WIDTH - LEFT - RIGHT) * (day - start).days / span_days, 1)


def _y(score: float) -> float:
    return round(TOP + (HEIGHT - TOP - BOTTOM) * (1 - float(score) / 100), 1)


def chart(points: list[tuple[datetime.date, float | None]]) -> Chart:
    """Place the (day, score in percent) points, oldest first, on the chart; the date axis runs
    from the first point to the last (one day at least)."""
    placed = [Point(day, None if score is None else float(score)) for day, score in points]
    result = Chart(placed)
    result.y_ticks = [(_y(value), value) for value in PERCENT_TICKS]
    if not placed:
        return result
    start, end = placed[0].day, placed[-1].day
    span = max(1, (end - start).days)
    run: list[str] = []
    for point in placed:
        point.x = _x(point.day, start, span)
        if point.score is None:
            if run:
                result.lines.append(" ".join(run))
            run = []
            continue
        point.y = _y(point.score)
        run.append(f"{point.x},{point.y}")
    if run:
        result.lines.append(" ".join(run))
    ticks = min(DATE_TICKS, span + 1)
    days = sorted({start + datetime.timedelta(days=round(span * index / max(1, ticks - 1)))
                   for index in range(ticks)})
    result.x_ticks = [(_x(day, start, span), day) for day in days]
    return result
