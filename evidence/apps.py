from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = _("Evidence vault")

    def ready(self):
        from audit_prep.health import register_check

        from . import checks  # noqa: F401 - registers the OCR engine's system check
        from .storage import check_reachable

        register_check("storage", check_reachable)
