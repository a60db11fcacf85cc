from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditPrepConfig(AppConfig):
    name = "audit_prep"
    verbose_name = _("Structures and audit trail")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from . import checks, logins, second_factor  # noqa: F401  (checks: registers them)
        from .api import auth_schema  # noqa: F401  (registers the session scheme's schema)
        from .api.fields import install_text_rule

        user_login_failed.connect(logins.on_login_failed, dispatch_uid="login-throttle-failed")
        user_logged_in.connect(logins.on_logged_in, dispatch_uid="login-throttle-success")
        user_logged_in.connect(second_factor.on_logged_in, dispatch_uid="second-factor-owed")
        install_text_rule()
