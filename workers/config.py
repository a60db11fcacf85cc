"""Celery configuration, derived from the Django settings (themselves from the environment).

JSON only, late acknowledgement, redelivery when a worker dies, a visibility timeout above the
longest task, and separate queues for file work and light work.
"""

from celery.schedules import crontab
from django.conf import settings

FILE_QUEUE = "files"
LIGHT_QUEUE = "light"
TASK_TIME_LIMIT = 15 * 60

broker_url = settings.CELERY_BROKER_URL
if broker_url.startswith("filesystem"):
    # Embedded default: no server to install; the queue is a folder under DATA_DIR.
    _queue_dir = settings.BROKER_DIR / "queue"
    _processed_dir = settings.BROKER_DIR / "processed"
    _control_dir = settings.BROKER_DIR / "control"
    for _folder in (_queue_dir, _processed_dir, _control_dir):
        _folder.mkdir(parents=True, exist_ok=True)
    broker_transport_options = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "store_processed": False,
        "control_folder": str(_control_dir),
    }
else:
    # Redis: a list per queue and priority step; a worker pops the steps in order (0 first,
    # whatever the queue order strategy), so a verification sent after a hundred OCR jobs is
    # the next one a free worker takes. The filesystem transport ignores priorities.
    broker_transport_options = {"visibility_timeout": TASK_TIME_LIMIT * 2,
                                "priority_steps": list(range(10)),
                                "queue_order_strategy": "round_robin"}

broker_connection_retry_on_startup = True
task_serializer = "json"
result_serializer = "json"
accept_content = ["json"]
task_ignore_result = True
task_acks_late = True
task_reject_on_worker_lost = True
worker_prefetch_multiplier = 1
task_time_limit = TASK_TIME_LIMIT
task_soft_time_limit = TASK_TIME_LIMIT - 60
task_default_queue = LIGHT_QUEUE
# Message priorities (Redis: 0 is the highest, and what a message without one gets): OCR of
# scans waits behind every other task (decision 0031). No task_default_priority: it would
# override the routes' priorities.
HIGH_PRIORITY = 0
OCR_PRIORITY = 9
task_routes = {
    "workers.verify_revision": {"queue": FILE_QUEUE, "priority": HIGH_PRIORITY},
    "workers.ocr_file": {"queue": FILE_QUEUE, "priority": OCR_PRIORITY},
    "workers.rehash_sample": {"queue": FILE_QUEUE},
    "workers.sweep_orphans": {"queue": FILE_QUEUE},
    "workers.build_audit_pack": {"queue": FILE_QUEUE},
    "workers.verify_audit_pack": {"queue": FILE_QUEUE},
}


def _cron(spec: str) -> crontab:
    minute, hour, day_of_month, month_of_year, day_of_week = spec.split()
    return crontab(minute=minute, hour=hour, day_of_month=day_of_month,
                   month_of_year=month_of_year, day_of_week=day_of_week)


# Each entry: (task, default cron, expiry in seconds: a message not started before the next run
# is dropped rather than piling up). Crons are overridable with SCHEDULE_<NAME>="m h dom mon dow".
SCHEDULE = {
    "send_reminders": ("workers.send_reminders", "0 7 * * *", 3 * 3600),
    "recompute_readiness": ("workers.recompute_readiness", "*/5 * * * *", 240),
    "daily_snapshots": ("workers.daily_snapshots", "30 2 * * *", 3 * 3600),
    "requeue_stuck_revisions": ("workers.requeue_stuck_revisions", "*/10 * * * *", 500),
    "requeue_stuck_packs": ("workers.requeue_stuck_packs", "*/10 * * * *", 500),
    "requeue_stuck_ocr": ("workers.requeue_stuck_ocr", "*/10 * * * *", 500),
    "sweep_orphans": ("workers.sweep_orphans", "15 3 * * *", 3 * 3600),
    "rehash_sample": ("workers.rehash_sample", "45 3 * * *", 3 * 3600),
}
beat_schedule = {
    name: {
        "task": task,
        "schedule": _cron(settings.SCHEDULE_OVERRIDES.get(name, cron)),
        "options": {"expires": expires},
    }
    for name, (task, cron, expires) in SCHEDULE.items()
}
task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
task_eager_propagates = True
timezone = settings.TIME_ZONE
worker_hijack_root_logger = False
