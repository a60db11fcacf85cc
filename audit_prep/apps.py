from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditPrepConfig(AppConfig):
    name = "audit_prep"
    verbose_name = _("Structures and audit trail")

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
