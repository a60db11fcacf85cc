from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkersConfig(AppConfig):
    name = "workers"
    verbose_name = _("Background work")

    def ready(self):
        from evidence.signals import vault_changed

        from . import ledger, readiness_state, tasks  # noqa: F401  (tasks, Celery signal handlers)

        vault_changed.connect(readiness_state.on_vault_changed,
                              dispatch_uid="workers.readiness_state.on_vault_changed")
