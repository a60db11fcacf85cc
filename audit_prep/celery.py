"""The Celery application. Configuration lives in `workers.config`; tasks in `workers.tasks`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "audit_prep.settings")

app = Celery("audit_prep")
app.config_from_object("workers.config")
app.autodiscover_tasks(["workers"])
