"""The packs' outbox: a pack is recorded queued in the transaction that seals it and its build
is sent after commit; if the broker was down then, or a worker died while building, the pack
waits. `requeue_stuck` (run by `workers.requeue_stuck_packs`) sends the build again for packs
queued, or building without a heartbeat, for longer than `STUCK_MINUTES`, and the verification
again for packs whose requested verification waits as long (its requester unknown by then:
the report is recorded as the system's)."""

import datetime

from django.db.models import Q
from django.utils import timezone

from audit_prep.tasks import enqueue

from .builder import STALE_SECONDS
from .models import AuditPack, BuildState, VerificationState
from .services import BUILD_TASK, VERIFY_TASK

STUCK_MINUTES = 10
BATCH = 100


def requeue_stuck(now: datetime.datetime | None = None) -> list[int]:
    """Enqueue again the builds and verifications that wait; the ids of the packs sent (it
    stops at the first refusal of the broker: the next run tries again)."""
    now = now or timezone.now()
    queued_before = now - datetime.timedelta(minutes=STUCK_MINUTES)
    silent_since = now - datetime.timedelta(seconds=STALE_SECONDS)
    builds = (AuditPack.objects.filter(
        Q(state=BuildState.QUEUED, sealed_at__lte=queued_before)
        & (Q(progress_at__isnull=True) | Q(progress_at__lte=queued_before))
        | Q(state=BuildState.BUILDING, progress_at__lte=silent_since))
        .order_by("sealed_at").values_list("pk", flat=True)[:BATCH])
    verifications = (AuditPack.objects.filter(
        verification__in=(VerificationState.QUEUED, VerificationState.RUNNING),
        verification_requested_at__lte=queued_before)
        .order_by("verification_requested_at").values_list("pk", flat=True)[:BATCH])
    sent: list[int] = []
    for task, ids in ((BUILD_TASK, builds), (VERIFY_TASK, verifications)):
        for pack_id in ids:
            if not enqueue(task, pack_id, expires=STUCK_MINUTES * 60):
                return sent
            sent.append(pack_id)
    return sent
