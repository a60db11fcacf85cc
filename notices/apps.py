from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Notices")

    def ready(self):
        from evidence.signals import files_flagged

        from . import alerts

        files_flagged.connect(alerts.on_files_flagged,
                              dispatch_uid="notices.alerts.on_files_flagged")
