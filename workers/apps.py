from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkersConfig(AppConfig):
    name = "workers"
    verbose_name = _("Background work")

    def ready(self):
        from . import ledger, tasks  # noqa: F401  (tasks, Celery signal handlers)
