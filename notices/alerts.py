"""Integrity alerts: when the vault's re-hash sweep flags stored files as altered or missing
(`evidence.signals.files_flagged`), every active quality manager of their structures gets one
in-app notification per file and one e-mail for the whole run, in their language. The e-mails
leave after commit; a mail server outage loses none of the notifications."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit_prep.i18n import language_of
from audit_prep.models import Membership
from audit_prep.roles import Role
from audit_prep.tasks import after_commit
from evidence.filetypes import RejectionReason
from evidence.models import StoredFile
from evidence.references import evidence_path

from .models import Notification

logger = logging.getLogger(__name__)
KIND = "integrity_error"


def _alert_line(stored_file: StoredFile, problem: RejectionReason) -> str:
    """One flagged file, in the active language."""
    return _("%(organization)s — evidence “%(evidence)s”, file “%(file)s”: %(problem)s") % {
        "organization": stored_file.organization.name,
        "evidence": stored_file.revision.evidence.title,
        "file": stored_file.name, "problem": problem.label}


def _notification(user, stored_file: StoredFile, problem: RejectionReason) -> Notification:
    return Notification(
        user=user, organization_id=stored_file.organization_id, kind=KIND,
        title=_("File altered or missing: “%(file)s”") % {"file": stored_file.name},
        body=_alert_line(stored_file, problem) + " "
        + _("Restore it from a trusted copy or upload a new revision."),
        link=evidence_path(stored_file.revision.evidence_id),
    )


def _alert_mail(lines: list[str]) -> tuple[str, str]:
    subject = ngettext("Integrity alert: %(count)d stored file is altered or missing",
                       "Integrity alert: %(count)d stored files are altered or missing",
                       len(lines)) % {"count": len(lines)}
    intro = _("The periodic check of the evidence store found files that no longer match their "
              "fingerprint or cannot be found. Until they are restored, the evidence concerned "
              "does not cover any requirement of the readiness checklist.")
    body = "\n\n".join([intro, "\n".join(f"- {line}" for line in lines), settings.SITE_URL])
    return subject, body


def _send_alert_mail(address: str, subject: str, body: str) -> None:
    try:
        send_mail(subject, body, None, [address])
    except Exception:  # the notifications are stored; a mail server outage must not lose them
        logger.exception("integrity alert e-mail to %s failed", address)


def _files_by_manager(file_ids) -> list[tuple]:
    """[(quality manager, [their structures' flagged files])], by user id."""
    files = list(StoredFile.objects.filter(pk__in=file_ids)
                 .select_related("organization", "revision__evidence").order_by("id"))
    memberships = (Membership.objects.filter(
        organization_id__in={f.organization_id for f in files}, role=Role.QUALITY_MANAGER,
        user__is_active=True).select_related("user__preference").order_by("user_id"))
    by_user: dict[int, tuple] = {}
    for membership in memberships:
        user = membership.user
        by_user.setdefault(user.pk, (user, []))[1].extend(
            f for f in files if f.organization_id == membership.organization_id)
    return list(by_user.values())


def alert_quality_managers(problems: dict[int, RejectionReason]) -> int:
    """A notification per quality manager and flagged file of their structure, and one e-mail
    per quality manager (in their language) for the whole run. `problems`: stored file id ->
    what is wrong with it. Returns the e-mails queued."""
    notifications, mails = [], []
    for user, user_files in _files_by_manager(problems):
        with translation.override(language_of(user)):
            notifications += [_notification(user, f, problems[f.pk]) for f in user_files]
            if user.email:
                mails.append((user.email, *_alert_mail(
                    [_alert_line(f, problems[f.pk]) for f in user_files])))
    Notification.objects.bulk_create(notifications)
    for mail in mails:  # sent once the flags are committed
        after_commit(_send_alert_mail, *mail)
    return len(mails)


def on_files_flagged(sender, problems: dict[int, RejectionReason], **kwargs) -> None:
    """Receiver of `evidence.signals.files_flagged` (connected in `notices.apps`)."""
    alert_quality_managers(problems)
