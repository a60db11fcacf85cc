"""The latest readiness of every structure x adopted referential, recomputed in the background
and coalesced: a burst of changes costs one recomputation, not one per change.

How it works
------------
* Every service that changes the vault or the tailoring sends `evidence.signals.vault_changed`
  inside its transaction. Its receiver `on_vault_changed` (connected in `checklists.apps`) calls
  `mark_dirty`, which marks the structure's `ReadinessState` rows dirty, creating the missing
  ones, in the same transaction. Only when it turned a row from clean to dirty does it enqueue
  `workers.recompute_readiness`, after commit and with a short countdown; while a row is
  already dirty a recomputation is already on its way, so the next changes enqueue nothing.
  The 5-minute beat runs the same task anyway, so a lost message only delays the picture.
* `recompute_dirty` (one worker at a time: the task takes a job lock) reads each dirty row's
  `dirty_since` just before computing it, and afterwards clears it only if it still holds that
  value (compare-and-set). A change committed meanwhile has moved `dirty_since`, so the row stays
  dirty and one more recomputation is enqueued.
* The same pass first refreshes the validity read model of the dirty structures' evidence
  (`validity.refresh`: `EvidenceItem.validity_end`, `superseded`); the daily pass refreshes it
  for every structure.

`dirty_since` keeps the time of the first change not yet computed; each later change advances
it by one microsecond, so that the compare-and-set sees it. The marking first locks the
structure's rows (SELECT ... FOR UPDATE): it waits for a recomputation writing them, then reads
their committed values, so "was it clean?" and the update agree. Every writer of these rows
(marking, recomputation, daily snapshots) locks them in primary-key order, so they never
deadlock; the background jobs write their results in one short burst at the end of their
transaction, so a request waits at most for that burst.

Scores are stored as the checklist gives them, in percent with one decimal, like
`ReadinessSnapshot.score`.
"""

import datetime
import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from audit_prep.tasks import enqueue_after_commit

from ..models import Adoption, ReadinessSnapshot, ReadinessState
from . import checklist, next_steps, snapshots, validity

logger = logging.getLogger(__name__)

RECOMPUTE_TASK = "workers.recompute_readiness"
RECOMPUTE_COUNTDOWN = 10  # seconds: lets the rest of a burst land before the recomputation
ONE_TICK = datetime.timedelta(microseconds=1)


# ------------------------------------------------------------------------------- reading


def latest_readiness() -> dict:
    """Annotations of an Adoption queryset with the latest readiness the workers computed for
    it: `readiness_score`, `readiness_counts`, `readiness_computed_at`, `readiness_dirty_since`
    (one subquery each on the unique (structure, referential) row; NULL before the first)."""
    state = ReadinessState.objects.filter(organization_id=OuterRef("organization_id"),
                                          referential_id=OuterRef("referential_id"))
    return {f"readiness_{name}": Subquery(state.values(name)[:1])
            for name in ("score", "counts", "computed_at", "dirty_since")}


# --------------------------------------------------------------------------- marking dirty


def enqueue_recompute() -> None:
    """One recomputation, after commit. A broker outage is logged, not raised: the rows stay
    dirty and the beat runs the task every 5 minutes."""
    enqueue_after_commit(RECOMPUTE_TASK, countdown=RECOMPUTE_COUNTDOWN)


def mark_dirty(organization_id: int) -> int:
    """Mark the readiness of every adoption of the structure dirty; returns how many rows turned
    from clean to dirty (created ones included). Three or four statements, whatever the vault."""
    now = timezone.now()
    states = ReadinessState.objects.filter(organization_id=organization_id)
    with transaction.atomic(savepoint=False):
        # Lock the rows in primary-key order, as the recomputation writes them: no deadlock.
        current = dict(states.select_for_update().order_by("pk")
                       .values_list("referential_id", "dirty_since"))
        newly = sum(1 for since in current.values() if since is None)
        if current:
            states.update(dirty_since=Case(When(dirty_since__isnull=True, then=Value(now)),
                                           default=F("dirty_since") + ONE_TICK))
        missing = sorted(set(Adoption.objects.filter(organization_id=organization_id)
                             .values_list("referential_id", flat=True)) - current.keys())
        if missing:
            ReadinessState.objects.bulk_create(
                [ReadinessState(organization_id=organization_id, referential_id=referential_id,
                                dirty_since=now) for referential_id in missing],
                ignore_conflicts=True,
            )
            newly += len(missing)
        if newly:
            enqueue_recompute()
    return newly


def on_vault_changed(sender, organization_id: int, **kwargs) -> None:
    """Receiver of `evidence.signals.vault_changed`."""
    mark_dirty(organization_id)


# ------------------------------------------------------------------------------ recomputing


def _percent(score: float | None) -> Decimal | None:
    return None if score is None else Decimal(str(score))


def figures_of(adoption: Adoption, data: dict, computed_at: datetime.datetime) -> dict:
    """The stored fields of a readiness state from the adoption's checklist `data` (built with
    at least one evidence item per requirement, for the next steps)."""
    return {"score": _percent(data["score"]), "counts": data["counts"],
            "computed_at": computed_at,
            "summary": next_steps.summary(data, adoption.target_audit_date)}


def _figures(adoption: Adoption | None, on: datetime.date | None = None) -> dict:
    computed_at = timezone.now()
    if adoption is None:  # the adoption is gone: nothing to show
        return {"score": None, "counts": {}, "computed_at": computed_at, "summary": {}}
    data = checklist.build(adoption, on, order="clause", evidence_limit=1)
    return figures_of(adoption, data, computed_at)


def _compute(state_id: int):
    """(state id, dirty_since as read, figures), or None when the row is no longer dirty or the
    computation failed (the row then stays dirty for the next run)."""
    row = (ReadinessState.objects.filter(pk=state_id, dirty_since__isnull=False)
           .values_list("organization_id", "referential_id", "dirty_since").first())
    if row is None:
        return None
    organization_id, referential_id, seen = row
    adoption = (Adoption.objects.select_related("organization", "referential")
                .filter(organization_id=organization_id, referential_id=referential_id).first())
    return state_id, seen, _figures(adoption)


def _refresh_validity(organization_ids=None) -> None:
    """The validity read model of these structures (all: None), before their figures; a failure
    is logged and the figures still computed (the next pass refreshes it)."""
    try:
        validity.refresh(organization_ids)
    except Exception:
        logger.exception("validity read model: refresh failed")


def recompute_dirty() -> int:
    """Recompute every dirty readiness state; returns how many were computed. The results are
    written together at the end (the rows are locked only for that short moment). Run by one
    worker at a time (the task `workers.recompute_readiness` holds a job lock)."""
    pending = list(ReadinessState.objects.filter(dirty_since__isnull=False)
                   .order_by("dirty_since", "pk").values_list("pk", flat=True))
    _refresh_validity(ReadinessState.objects.filter(pk__in=pending)
                      .values_list("organization_id", flat=True).distinct())
    results = []
    for state_id in pending:
        try:
            with transaction.atomic():
                result = _compute(state_id)
        except Exception:
            logger.exception("readiness state %s: recomputation failed", state_id)
            continue
        if result is not None:
            results.append(result)
    changed_meanwhile = 0
    with transaction.atomic():
        for state_id, seen, figures in sorted(results, key=lambda result: result[0]):
            # Compare-and-set: clear the flag only if no change came in since it was read.
            if not ReadinessState.objects.filter(pk=state_id, dirty_since=seen).update(
                    dirty_since=None, **figures):
                ReadinessState.objects.filter(pk=state_id).update(**figures)
                changed_meanwhile += 1
        if changed_meanwhile:
            enqueue_recompute()
    return len(results)


# --------------------------------------------------------------------------- daily snapshots


def take_daily_snapshots(today: datetime.date | None = None) -> int:
    """Store the readiness snapshot of `today` (default: the local date) of every adoption that
    has no daily snapshot for that date yet; returns how many were taken. Re-runs take none.
    Run by one worker at a time (the task `workers.daily_snapshots` holds a job lock).

    Only the workers' own snapshots (taken_by empty) count: a quality manager's snapshot, which
    may be a projection to another date, does not replace the daily point of the trend. When
    `today` is the actual date, the figures also refresh the readiness states, which otherwise
    would only follow changes of the vault, not the passing of days (evidence expiring)."""
    actual_today = timezone.localdate()
    today = today or actual_today
    already = ReadinessSnapshot.objects.filter(
        organization_id=OuterRef("organization_id"), referential_id=OuterRef("referential_id"),
        reference_date=today, taken_by__isnull=True,
    )
    adoptions = (Adoption.objects.select_related("organization", "referential")
                 .filter(~Exists(already)).order_by("pk"))
    taken = []
    started = timezone.now()
    for adoption in adoptions:
        try:
            with transaction.atomic():
                data = checklist.build(adoption, today, order="clause", evidence_limit=1)
                taken.append((snapshots.take(None, adoption, today, data),
                              figures_of(adoption, data, started)))
        except Exception:
            logger.exception("adoption %s: daily snapshot failed", adoption.pk)
    if today == actual_today:
        with transaction.atomic():
            _refresh_states(taken, started)
        _refresh_validity()  # the passing of days changes which items count and replace others
    return len(taken)


def _refresh_states(taken: list[tuple[ReadinessSnapshot, dict]],
                    started: datetime.datetime) -> None:
    """Store the snapshots' figures as the latest readiness (rows in primary-key order), unless a
    recomputation wrote fresher ones meanwhile. `dirty_since` is left alone: a pending change is
    still to be computed."""
    figures = {(s.organization_id, s.referential_id): values for s, values in taken}
    existing = (ReadinessState.objects.filter(organization_id__in={key[0] for key in figures})
                .order_by("pk").values_list("pk", "organization_id", "referential_id"))
    older = Q(computed_at__isnull=True) | Q(computed_at__lt=started)
    for state_id, organization_id, referential_id in existing:
        if (values := figures.pop((organization_id, referential_id), None)) is not None:
            ReadinessState.objects.filter(older, pk=state_id).update(**values)
    ReadinessState.objects.bulk_create(
        [ReadinessState(organization_id=org, referential_id=ref, **values)
         for (org, ref), values in sorted(figures.items())], ignore_conflicts=True)
