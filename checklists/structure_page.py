"""What the home of a structure shows of each adopted referential, read from what the workers
stored (decision 0008): the latest readiness state with its summary (chapters, next steps,
`services.next_steps`) and the daily snapshots behind the trend. A fixed number of queries
whatever the size of the vault: the adoptions, the states, the snapshots and the names of the
chapters and requirements named. An adoption whose state was never computed (just adopted,
before the first recomputation) is computed now, by the same service the workers call."""

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html_join
from django.utils.translation import gettext

from audit_prep.i18n import active_language

from . import gates, trend_chart
from .models import Adoption, ReadinessSnapshot, ReadinessState, Requirement
from .readiness import Status
from .services import checklist, next_steps

# The statuses a quality manager acts on, in the order the home page lists their counts.
ATTENTION = [Status.MISSING, Status.EXPIRED, Status.EXPIRING, Status.PENDING]
TREND_DAYS = 90


def _day(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _states(organization_id: int) -> dict[int, ReadinessState]:
    return {state.referential_id: state
            for state in ReadinessState.objects.filter(organization_id=organization_id)}


def _computed_now(adoption: Adoption) -> dict:
    data = checklist.build(adoption, evidence_limit=1)
    return {"score": data["score"], "counts": data["counts"], "computed_at": timezone.now(),
            "dirty": False, "summary": next_steps.summary(data, adoption.target_audit_date)}


def _stored(state: ReadinessState | None, adoption: Adoption) -> dict:
    if state is None or not state.summary or state.computed_at is None:
        return _computed_now(adoption)
    return {"score": None if state.score is None else float(state.score),
            "counts": state.counts, "computed_at": state.computed_at,
            "dirty": state.dirty_since is not None, "summary": state.summary}


def _trends(organization_id: int, today: datetime.date) -> dict[int, list]:
    """The daily snapshots the workers took (not a person's, which may look at another date),
    over the last TREND_DAYS days, per referential, oldest first."""
    rows = (ReadinessSnapshot.objects
            .filter(organization_id=organization_id, taken_by__isnull=True,
                    reference_date__gt=today - datetime.timedelta(days=TREND_DAYS),
                    reference_date__lte=today)
            .order_by("referential_id", "reference_date", "taken_at")
            .values_list("referential_id", "reference_date", "score"))
    points: dict[int, dict[datetime.date, float | None]] = {}
    for referential_id, day, score in rows:
        points.setdefault(referential_id, {})[day] = None if score is None else float(score)
    return {key: sorted(days.items()) for key, days in points.items()}


def _names(organization_id: int, figures: dict) -> dict:
    """{(referential id, ref_id): name} of every chapter shown and {id: (ref_id, name)} of
    every requirement a step names, in the reader's language: one query."""
    language = active_language()
    chapters = {chapter["ref_id"] for values in figures.values()
                for chapter in values["summary"]["chapters"]}
    ids = {step["requirement_id"] for values in figures.values()
           for step in values["summary"]["steps"] if step.get("requirement_id")}
    rows = Requirement.objects.filter(
        Q(pk__in=ids) | Q(referential_id__in=list(figures), ref_id__in=chapters,
                          retired_at__isnull=True)
    ).filter(Q(organization__isnull=True) | Q(organization_id=organization_id)).values_list(
        "pk", "referential_id", "ref_id", f"name_{language}")
    by_ref: dict[tuple[int, str], str] = {}
    by_id: dict[int, str] = {}
    for pk, referential_id, ref_id, name in rows:
        by_ref.setdefault((referential_id, ref_id), name)
        by_id[pk] = name
    return {"chapters": by_ref, "requirements": by_id}


def _step(step: dict, adoption: Adoption, names: dict) -> dict:
    """A stored step with what the page needs to show it and the link that fixes it."""
    checklist_url = reverse("checklist-page", args=[adoption.pk])
    shown = dict(step)
    if step["kind"] == "gate":
        shown["label"] = str(gates.LABELS[step["code"]])
        shown["stage_1"] = step["code"] in gates.STAGE_1_CODES
        shown["message"] = next_steps.gate_message(step["reason"], step["params"])
        shown["url"] = f"{checklist_url}?chapter={step['chapter']}"
        return shown
    shown["name"] = names["requirements"].get(step["requirement_id"], "")
    shown["valid_until"] = _day(step.get("valid_until"))
    if step["kind"] == "missing" or not step.get("evidence_id"):
        shown["url"] = (f"{checklist_url}?status={step['status']}&chapter={step['chapter']}"
                        f"#requirement-{step['requirement_id']}")
    else:
        shown["url"] = reverse("evidence-page", args=[step["evidence_id"]])
    return shown


def _summary(adoption: Adoption, values: dict, names: dict, trend: list,
             today: datetime.date) -> dict:
    stored = values["summary"]
    chapter_names = names["chapters"]
    counts = stored.get("step_counts", {})
    steps = [_step(step, adoption, names) for step in stored["steps"]]
    return {
        "adoption": adoption,
        "name": getattr(adoption.referential, f"name_{active_language()}"),
        "score": values["score"],
        "counts": [(status, values["counts"].get(status.value, 0)) for status in ATTENTION],
        "chapters": [{**chapter, "name": chapter_names.get(
            (adoption.referential_id, chapter["ref_id"]), "")} for chapter in stored["chapters"]],
        "steps": steps,
        "more_steps": sum(counts.values()) - len(steps),
        "computed_at": values["computed_at"],
        "dirty": values["dirty"],
        "days_to_audit": (None if adoption.target_audit_date is None
                          else (adoption.target_audit_date - today).days),
        **_trend(trend),
    }


def _trend(points: list) -> dict:
    """The chart, its dots and the rows of its table: written here rather than by a template
    loop (90 days x 3 referentials of template tags cost more than the rest of the page)."""
    chart = trend_chart.chart(points)
    nothing = gettext("nothing to assess")
    rows = ((date_format(point.day, "DATE_FORMAT"),
             nothing if point.score is None else f"{number_format(point.score, 1)} %")
            for point in chart.points)
    return {"trend": chart,
            "trend_dots": format_html_join("", '<circle class="trend-dot" cx="{}" cy="{}" r="3"/>',
                                           ((p.x, p.y) for p in chart.scored)),
            "trend_rows": format_html_join("", '<tr><th scope="row">{}</th><td>{}</td></tr>',
                                           rows)}


def summaries(organization_id: int, adoptions: list[Adoption]) -> list[dict]:
    """Per adoption (with its referential), everything the home of the structure shows."""
    today = timezone.localdate()
    states = _states(organization_id)
    figures = {adoption.referential_id: _stored(states.get(adoption.referential_id), adoption)
               for adoption in adoptions}
    trends = _trends(organization_id, today) if adoptions else {}
    names = _names(organization_id, figures) if adoptions else {}
    return [_summary(adoption, figures[adoption.referential_id], names,
                     trends.get(adoption.referential_id, []), today) for adoption in adoptions]
