from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditsConfig(AppConfig):
    name = "audits"
    verbose_name = _("Audits and certification")

    def ready(self):
        from . import auditors  # noqa: F401  (registers the auditor's engagement grant)
