"""Inviting an e-mail address to join a structure, and answering the invitation.

The answer to an invitation never depends on whether an account uses the address: nothing here
looks for one before the invitee answers, and the e-mail goes out in every case, from a task
enqueued after commit (`mail.send`). Every step is in the audit trail.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import access, audit, tasks
from ..models import Invitation, InvitationBase, InvitationStatus, Membership, Organization
from ..roles import Action
from . import accounts, errors, tokens

PURPOSE = "membership"
MAIL_TASK = "workers.send_invitation"
PENDING, EXPIRED = InvitationStatus.PENDING, InvitationStatus.EXPIRED


def normalized(email: str) -> str:
    return BaseUserManager.normalize_email(email.strip())


def state_of(invitation: InvitationBase, now=None) -> str:
    """The status people see: a pending invitation past its end is expired."""
    if invitation.status == PENDING and invitation.expires_at <= (now or timezone.now()):
        return EXPIRED
    return invitation.status


def _audited(invitation: Invitation) -> dict:
    return {"email": invitation.email, "role": invitation.role, "status": invitation.status,
            "expires_at": invitation.expires_at}


def new_secret(invitation: InvitationBase, purpose: str = PURPOSE) -> None:
    """A fresh secret (salt and hash; `purpose`: the kind of invitation) and a new end."""
    invitation.token_salt, invitation.token_hash = tokens.issue(purpose)
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS)
    invitation.sent_at = None


def invite(actor, organization: Organization, email: str, role: str) -> Invitation:
    """Invite `email` to `organization` with `role` (quality managers). Refused when the address
    is a member's already or has a pending invitation; an expired one makes room."""
    access.require(actor, Action.MANAGE_MEMBERS, organization.pk)
    email = normalized(email)
    with transaction.atomic():
        if Membership.objects.filter(organization=organization,
                                     user__email__iexact=email).exists():
            raise errors.AlreadyMember()
        pending = Invitation.objects.select_for_update().filter(
            organization=organization, email__iexact=email, status=PENDING).first()
        if pending is not None:
            if state_of(pending) == PENDING:
                raise errors.AlreadyInvited(details={"invitation": pending.pk})
            mark_expired(actor, pending)
        invitation = Invitation(organization=organization, email=email, role=role,
                                invited_by=actor)
        new_secret(invitation)
        try:
            with transaction.atomic():
                invitation.save()
        except IntegrityError:  # the same address invited meanwhile
            raise errors.AlreadyInvited() from None
        audit.record(actor, "invitation.create", invitation, after=_audited(invitation))
        tasks.enqueue_after_commit(MAIL_TASK, invitation.pk)
    return invitation


def mark_expired(actor, invitation: InvitationBase, facts: dict | None = None) -> None:
    """Record that a pending invitation past its end is expired (`facts`: more for the trail)."""
    invitation.status = EXPIRED
    invitation.save(update_fields=["status"])
    audit.record(actor, "invitation.expire", invitation,
                 after={"status": EXPIRED, **(facts or {})})


def locked_pending(invitation: InvitationBase) -> Any:
    """The invitation again, locked, refused unless pending (the caller checked the role)."""
    invitation = type(invitation)._default_manager.select_for_update().get(pk=invitation.pk)
    if invitation.status != PENDING:
        raise errors.NotPending()
    return invitation


def renew(actor, invitation: InvitationBase, *, purpose: str, task: str, action: str,
          audited: Callable[[Any], dict]) -> None:
    """A new secret and end for a locked pending invitation, recorded as `action` and e-mailed
    again by `task` after commit."""
    before = audited(invitation)
    new_secret(invitation, purpose)
    invitation.save(update_fields=["token_salt", "token_hash", "expires_at", "sent_at"])
    audit.record(actor, action, invitation, before=before, after=audited(invitation))
    tasks.enqueue_after_commit(task, invitation.pk)


def take_back(actor, invitation: InvitationBase, *, action: str,
              audited: Callable[[Any], dict]) -> None:
    """Withdraw a locked pending invitation, recorded as `action`."""
    invitation.status = InvitationStatus.WITHDRAWN
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "decided_at"])
    audit.record(actor, action, invitation, after=audited(invitation))


def resend(actor, invitation: Invitation) -> Invitation:
    """A new secret and a new end for a pending (or expired) invitation, e-mailed again; the
    previous secret opens nothing any more."""
    with transaction.atomic():
        access.require(actor, Action.MANAGE_MEMBERS, invitation.organization_id)
        invitation = locked_pending(invitation)
        renew(actor, invitation, purpose=PURPOSE, task=MAIL_TASK, action="invitation.resend",
              audited=_audited)
    return invitation


def withdraw(actor, invitation: Invitation) -> Invitation:
    """A quality manager takes a pending invitation back; its secret opens nothing any more."""
    with transaction.atomic():
        access.require(actor, Action.MANAGE_MEMBERS, invitation.organization_id)
        invitation = locked_pending(invitation)
        take_back(actor, invitation, action="invitation.withdraw", audited=_audited)
    return invitation


def _witness(user, invitation: InvitationBase):
    """Who the audit trail names for an answer: the signed-in person when the invitation is
    theirs, else nobody (a secret holder signed out, or signed in as someone else: their
    username is not shown to the structure)."""
    if user is not None and user.is_authenticated and accounts.same_address(user.email,
                                                                            invitation.email):
        return user
    return None


def answer(secret: str, user, work, model: type[InvitationBase] = Invitation,
           facts: Callable[[Any], dict] | None = None):
    """`work(invitation)` on the pending invitation (of `model`) `secret` opens, locked, in one
    transaction. A closed invitation is refused with its code, the attempt recorded (an expired
    one is marked so; `facts(invitation)`: more for the trail)."""
    digest = tokens.hash_of(secret)
    with transaction.atomic():
        invitation = model._default_manager.select_for_update().filter(
            token_hash=digest).first()
        if invitation is None:
            raise errors.InvitationNotFound()
        state = state_of(invitation)
        if state == PENDING:
            return work(invitation)
    with transaction.atomic():
        if state == EXPIRED and invitation.status == PENDING:
            invitation.status = EXPIRED
            invitation.save(update_fields=["status"])
        action = "invitation.expired_use" if state == EXPIRED else "invitation.use_refused"
        audit.record(_witness(user, invitation), action, invitation,
                     after={"status": state, **(facts(invitation) if facts else {})})
    raise errors.closed(state)


def accept(secret: str, user=None, username: str = "", password: str = "") -> Membership:
    """Join the structure: as the signed-in `user` whose e-mail is the invited one, or, signed
    out and no account using that address, as a new account (`username`, `password`)."""
    def work(invitation: Invitation) -> Membership:
        account, created = accounts.accepting_account(invitation.email, user, username,
                                                      password)
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    user=account, organization_id=invitation.organization_id,
                    role=invitation.role)
        except IntegrityError:
            raise errors.AlreadyMember() from None
        invitation.status = InvitationStatus.ACCEPTED
        invitation.user = account
        invitation.decided_at = timezone.now()
        invitation.save(update_fields=["status", "user", "decided_at"])
        audit.record(account, "invitation.accept", invitation,
                     after={"status": invitation.status, "user": account.pk,
                            "account_created": created})
        audit.record(account, "membership.create", membership,
                     after={"user": account.pk, "role": membership.role,
                            "invitation": invitation.pk})
        access.forget(account)
        return membership

    return answer(secret, user, work)


def decline(secret: str, user=None) -> Invitation:
    """Refuse the invitation (signed out, or signed in with the invited address)."""
    def work(invitation: Invitation) -> Invitation:
        if user is not None and user.is_authenticated and _witness(user, invitation) is None:
            raise errors.OtherAccount()
        invitation.status = InvitationStatus.DECLINED
        invitation.decided_at = timezone.now()
        invitation.save(update_fields=["status", "decided_at"])
        audit.record(_witness(user, invitation), "invitation.decline", invitation,
                     after={"status": invitation.status})
        return invitation

    return answer(secret, user, work)
