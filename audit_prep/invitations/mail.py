"""The invitation e-mail, sent by the `workers.send_invitation` task once the invitation is
committed. The same message goes out whether or not an account uses the address; it is written
in the language of the person who has the address when they have an account, else in the
inviter's."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation

from ..i18n import language_of
from ..models import Invitation, InvitationBase
from . import tokens
from .services import PENDING, PURPOSE, state_of


def invitation_url(secret: str) -> str:
    """Where the invitee answers (the page of issue 12; the API: `invitations/accept/`)."""
    return f"{settings.SITE_URL.rstrip('/')}/invitations/{secret}/"


def display_name(user) -> str:
    return user.get_full_name().strip() or user.get_username()


def language_for(invitation: InvitationBase) -> str:
    """The invitee's language when an account has the address, else the inviter's."""
    invitee = (get_user_model().objects.filter(email__iexact=invitation.email)
               .select_related("preference").order_by("id").first())
    return language_of(invitee if invitee is not None else invitation.invited_by)


def message_for(invitation: Invitation, secret: str) -> EmailMessage:
    with translation.override(language_for(invitation)):
        context = {
            "inviter": display_name(invitation.invited_by),
            "structure": invitation.organization.name,
            "role": invitation.get_role_display(),
            "url": invitation_url(secret),
            "expires": formats.date_format(timezone.localtime(invitation.expires_at),
                                           "DATETIME_FORMAT"),
        }
        subject = render_to_string("audit_prep/email/invitation_subject.txt", context)
        body = render_to_string("audit_prep/email/invitation.txt", context)
    return EmailMessage(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL,
                        [invitation.email], headers={"Auto-Submitted": "auto-generated"})


def send(invitation_id: int, model: type[InvitationBase] = Invitation, purpose: str = PURPOSE,
         compose: Callable[[Any, str], EmailMessage] = message_for,
         related: tuple[str, ...] = ("organization", "invited_by")) -> str:
    """Send the e-mail (`compose(invitation, secret)`) of a pending invitation's current
    secret, once (safe to run twice: a re-send clears `sent_at` and enqueues again). A mail
    server error propagates (the task retries it)."""
    with transaction.atomic():
        invitation = (model._default_manager.select_for_update(of=("self",))
                      .select_related(*related).filter(pk=invitation_id).first())
        if invitation is None or state_of(invitation) != PENDING:
            return "closed"
        if invitation.sent_at is not None:
            return "already sent"
        secret = tokens.secret_for(invitation.token_salt, purpose)
        if tokens.hash_of(secret) != invitation.token_hash:
            return "secret key changed: send it again"
        compose(invitation, secret).send()
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    return "sent"
