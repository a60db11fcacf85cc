from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChecklistsConfig(AppConfig):
    name = "checklists"
    verbose_name = _("Referentials and readiness")

    def ready(self):
        from evidence.signals import vault_changed

        from .services import readiness_state

        vault_changed.connect(readiness_state.on_vault_changed,
                              dispatch_uid="checklists.readiness_state.on_vault_changed")
