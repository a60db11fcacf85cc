"""The two threads of an evidence request. The auditor thread is read by the engagement's
auditor and its members, and written by the auditor (`Action.AUDIT`) and, for the structure, by
its quality managers (the structure speaks to the auditor through them, as it submits answers
through them). The internal thread belongs to the structure's members only: for anyone else,
the auditor included, it does not exist (404)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError

from audit_prep import access, audit
from audit_prep.roles import Action
from audit_prep.text import validate_text

from .models import MAX_MESSAGE, EvidenceRequest, RequestMessage, Thread


def require_thread(actor, evidence_request: EvidenceRequest, thread: str,
                   action: Action = Action.VIEW) -> None:
    """404 for a thread the actor may not know of, 403 for one they read but may not write."""
    engagement = evidence_request.engagement
    if thread == Thread.INTERNAL:
        if access.role_in(actor, engagement.organization_id) is None:
            raise NotFound()
        access.require_engagement(actor, action, engagement)
    elif thread == Thread.AUDITOR:
        if action == Action.VIEW or Action.AUDIT not in access.engagement_actions(
                actor, engagement):
            access.require_engagement(actor, Action.VIEW if action == Action.VIEW
                                      else Action.MANAGE_AUDITS, engagement)
    else:
        raise NotFound()


def thread_messages(actor, evidence_request: EvidenceRequest, thread: str):
    """The thread's messages, oldest first, with their authors."""
    require_thread(actor, evidence_request, thread)
    return (RequestMessage.objects.filter(request=evidence_request, thread=thread)
            .select_related("author").order_by("created_at", "id"))


def clean_body(body) -> str:
    text = body.strip() if isinstance(body, str) else ""
    if not text:
        raise ValidationError({"body": [_("Write a message.")]}, code="message_empty")
    if len(text) > MAX_MESSAGE:
        raise ValidationError({"body": [_("A message holds at most %(count)d characters.")
                                        % {"count": MAX_MESSAGE}]}, code="message_too_long")
    try:
        validate_text(text, "body", multiline=True)
    except DjangoValidationError as error:
        raise ValidationError({"body": error.messages}, code=error.code) from error
    return text


def post_message(actor, evidence_request: EvidenceRequest, thread: str, body) -> RequestMessage:
    """Add a plain-text message to one of the request's threads."""
    action = Action.CHANGE if thread == Thread.INTERNAL else Action.AUDIT
    require_thread(actor, evidence_request, thread, action)
    text = clean_body(body)
    with transaction.atomic():
        message = RequestMessage.objects.create(request=evidence_request, thread=thread,
                                                author=actor, body=text)
        audit.record(actor, "evidence_request.message", evidence_request, after={
            "engagement": evidence_request.engagement_id, "thread": thread,
            "message": message.pk, "length": len(text)})
    return message
