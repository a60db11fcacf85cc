"""Celery tasks: thin, idempotent wrappers around the apps' services; ids in, nothing out.

Periodic jobs take a job lock so that two workers never run the same job at once, and work with
date windows and ledgers, so that a missed day catches up and a re-run does nothing more.
"""

import smtplib

from celery import shared_task

from evidence import verification

from .locks import job_lock

TRANSIENT_RETRY = {"max_retries": 5, "retry_backoff": True, "retry_backoff_max": 600,
                   "retry_jitter": True}


@shared_task(name="workers.verify_revision", bind=True, max_retries=5)
def verify_revision(self, revision_id: int) -> str:
    """Re-read, re-hash and re-sniff a revision's stored files, extract their text; mark it
    verified and current, or rejected with a reason. Safe to run twice."""
    try:
        return verification.verify_revision(revision_id)
    except verification.TransientStorageError as exc:
        raise self.retry(exc=exc, countdown=verification.retry_delay(self.request.retries)) from exc


@shared_task(name="workers.ocr_file", bind=True, max_retries=5)
def ocr_file(self, stored_file_id: int) -> str:
    """Read a verified scan by OCR (tesseract) and keep its text beside the file; the file
    stays verified whatever happens. Runs on the files queue below verification's priority;
    safe to run twice (the text is stored only while the file is still pending OCR)."""
    from evidence import ocr_results

    try:
        return ocr_results.ocr_file(stored_file_id)
    except ocr_results.TransientStorageError as exc:
        raise self.retry(exc=exc, countdown=verification.retry_delay(self.request.retries)) from exc


def run_reminders(today=None):
    """The reminders job: `notices.reminders.run` inside its job lock, so that one run at a time
    happens across every worker (another worker's run: nothing done, `locked`)."""
    from notices import reminders

    with job_lock(reminders.JOB_NAME) as held:
        if not held:
            return reminders.RunResult(locked=True)
        return reminders.run(today)


def run_gap_digests(today=None):
    """The gap digests before audits: `notices.reminders.gaps.run` inside its own job lock
    (its own transaction: a failure there does not undo the expiry reminders already sent)."""
    from notices.reminders import gaps

    with job_lock(gaps.JOB_NAME) as held:
        if not held:
            return gaps.GapRunResult(locked=True)
        return gaps.run(today)


def run_deadline_reminders(today=None):
    """The reminders of the deadlines apps announce (`notices.deadlines.run`: audits to plan in
    a certificate's cycle, evidence requests, corrective actions...) inside their own job lock
    and transaction."""
    from notices import deadlines

    with job_lock(deadlines.JOB_NAME) as held:
        if not held:
            return deadlines.DeadlineRunResult(locked=True)
        return deadlines.run(today)


@shared_task(name="workers.send_reminders", bind=True, **TRANSIENT_RETRY)
def send_reminders(self) -> str:
    """Send the reminder digests that became due, then the gap digests before audits and the
    reminders of the deadlines apps announce; retries deliveries the mail server refused (every
    run is idempotent)."""
    from notices import reminders

    result = run_reminders()
    gap_result = run_gap_digests()
    deadline_result = run_deadline_reminders()
    failed = result.failed + gap_result.failed + deadline_result.failed
    if failed:
        raise self.retry(exc=reminders.DeliveryFailed(failed),
                         countdown=verification.retry_delay(self.request.retries))
    return f"{result}; {gap_result}; {deadline_result}"


@shared_task(name="workers.send_invitation", autoretry_for=(smtplib.SMTPException, OSError),
             **TRANSIENT_RETRY)
def send_invitation(invitation_id: int) -> str:
    """E-mail a pending invitation's current secret, once (`audit_prep.invitations.mail`)."""
    from audit_prep.invitations import mail

    return mail.send(invitation_id)


@shared_task(name="workers.send_auditor_invitation",
             autoretry_for=(smtplib.SMTPException, OSError), **TRANSIENT_RETRY)
def send_auditor_invitation(invitation_id: int) -> str:
    """E-mail a pending auditor invitation's current secret, once (`audits.auditor_mail`)."""
    from audits import auditor_mail

    return auditor_mail.send(invitation_id)


@shared_task(name="workers.recompute_readiness")
def recompute_readiness() -> str:
    """Recompute the readiness of every structure x referential marked dirty since (one worker
    at a time)."""
    from checklists.services import readiness_state

    with job_lock("recompute_readiness") as acquired:
        return str(readiness_state.recompute_dirty()) if acquired else "0"


@shared_task(name="workers.daily_snapshots")
def daily_snapshots() -> str:
    """Store today's readiness snapshot of every adoption (once a day, one worker at a time)."""
    from checklists.services import readiness_state

    with job_lock("daily_snapshots") as acquired:
        return str(readiness_state.take_daily_snapshots()) if acquired else "0"


@shared_task(name="workers.requeue_stuck_revisions")
def requeue_stuck_revisions() -> str:
    """Re-enqueue verification of revisions still pending past the threshold (outbox sweep)."""
    from evidence import sweeps

    return str(len(sweeps.requeue_stuck_revisions()))


@shared_task(name="workers.requeue_stuck_ocr")
def requeue_stuck_ocr() -> str:
    """Re-enqueue the OCR of files still pending past an hour (a message lost with the broker,
    or with a worker that died)."""
    from evidence import ocr_results

    return str(len(ocr_results.requeue_stuck_ocr()))


@shared_task(name="workers.sweep_orphans")
def sweep_orphans() -> str:
    """Remove stored objects no file row references, after the grace period."""
    import datetime

    from django.conf import settings

    from evidence import sweeps

    grace = datetime.timedelta(hours=settings.ORPHAN_GRACE_HOURS)
    return str(len(sweeps.remove_orphans(grace)))


@shared_task(name="workers.rehash_sample")
def rehash_sample() -> str:
    """Re-hash the least recently checked stored files; flag and report mismatches."""
    from evidence import sweeps

    return str(sweeps.rehash_sample())


@shared_task(name="workers.build_audit_pack", bind=True, max_retries=5)
def build_audit_pack(self, pack_id: int) -> str:
    """Build a sealed pack's ZIP (`audits.packs.builder.build`): once, whoever runs it twice;
    while another worker builds it, later; an unreadable store, again with backoff, then the
    pack is marked failed."""
    from audits.packs import builder

    try:
        return builder.build(pack_id)
    except builder.Busy as exc:
        raise self.retry(exc=exc, countdown=builder.STALE_SECONDS) from exc
    except (builder.TransientStorageError, builder.storage.StorageUnavailable) as exc:
        if self.request.retries >= self.max_retries:
            builder.fail(pack_id, "storage_unavailable", str(exc))
            return "failed: storage_unavailable"
        raise self.retry(exc=exc, countdown=verification.retry_delay(self.request.retries)) \
            from exc


@shared_task(name="workers.requeue_stuck_packs")
def requeue_stuck_packs() -> str:
    """Send again the builds and verifications of sealed packs that wait (outbox sweep)."""
    from audits.packs import sweeps as pack_sweeps

    return str(len(pack_sweeps.requeue_stuck()))


@shared_task(name="workers.verify_audit_pack", bind=True, max_retries=5)
def verify_audit_pack(self, pack_id: int, actor_id: int | None = None) -> str:
    """Re-verify a sealed pack against the store (`audits.packs.verification.verify`)."""
    from audits.packs import verification as pack_verification

    try:
        return pack_verification.verify(pack_id, actor_id)
    except pack_verification.TransientStorageError as exc:
        raise self.retry(exc=exc, countdown=verification.retry_delay(self.request.retries)) \
            from exc
