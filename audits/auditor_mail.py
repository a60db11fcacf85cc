"""The e-mail inviting an auditor, sent by the `workers.send_auditor_invitation` task once the
invitation is committed (the machinery of member invitations, `audit_prep.invitations.mail`),
in the language of the person who has the address when they have an account, else in the
inviter's."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation

from audit_prep.invitations import mail

from .auditor_services import PURPOSE
from .models import AuditorInvitation


def invitation_url(secret: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/auditor-invitations/{secret}/"


def message_for(invitation: AuditorInvitation, secret: str) -> EmailMessage:
    engagement = invitation.engagement
    with translation.override(mail.language_for(invitation)):
        context = {
            "inviter": mail.display_name(invitation.invited_by),
            "structure": engagement.organization.name,
            "audit": engagement.get_kind_display(),
            "first_day": formats.date_format(engagement.start_date, "DATE_FORMAT"),
            "starts_on": formats.date_format(invitation.starts_on, "DATE_FORMAT"),
            "ends_on": formats.date_format(invitation.ends_on, "DATE_FORMAT"),
            "url": invitation_url(secret),
            "expires": formats.date_format(timezone.localtime(invitation.expires_at),
                                           "DATETIME_FORMAT"),
        }
        subject = render_to_string("audits/email/auditor_invitation_subject.txt", context)
        body = render_to_string("audits/email/auditor_invitation.txt", context)
    return EmailMessage(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL,
                        [invitation.email], headers={"Auto-Submitted": "auto-generated"})


def send(invitation_id: int) -> str:
    """Send a pending invitation's current link, once (`audit_prep.invitations.mail.send`)."""
    return mail.send(invitation_id, AuditorInvitation, PURPOSE, message_for,
                     ("engagement__organization", "invited_by"))
