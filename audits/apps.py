from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class AuditsConfig(AppConfig):
    name = "audits"
    verbose_name = _("Audits and certification")

    def ready(self):
        from checklists.pages import HOME_ELSEWHERE

        from . import (
            auditors,  # noqa: F401  (registers the auditor's engagement grant)
            deadlines,  # noqa: F401  (registers the audits' deadlines with the reminders)
            finding_deadlines,  # noqa: F401  (and the findings' deadlines)
            gate,  # noqa: F401  (registers the gate on the previous audit's NCs)
        )
        from .packs import sections  # noqa: F401  (the sealed pack's findings, requests)
        from .requests import deadlines as request_deadlines  # noqa: F401  (requests' deadlines)
        from .scales import give_default_scale
        from .workspace import session
        from .workspace.pages import workspace_landing

        post_save.connect(give_default_scale, sender="audit_prep.Organization",
                          dispatch_uid="audits_default_scale")
        user_logged_in.connect(session.on_logged_in, dispatch_uid="audits-workspace-only")

        if workspace_landing not in HOME_ELSEWHERE:  # an auditor member of no structure
            HOME_ELSEWHERE.append(workspace_landing)
