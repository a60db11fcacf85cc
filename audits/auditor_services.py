"""Inviting an external auditor to one engagement, and changing the access it opens
(decision 0029, on 0017's invitations and 0022's grant).

A quality manager invites an e-mail address with an access window (by default
`auditors.default_window`). The invitee creates an account (or signs in), passes the second
factor (enrolling an app the first time) and accepts: only then does the `AuditorAccess` exist.
A member of the structure is never its auditor. The quality manager extends or revokes the
access at any time. Every step is in the audit trail with `"engagement"` in `after`, which is
how the engagement's access log finds them (`audits.access_log`).
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit_prep import access, audit, tasks
from audit_prep.invitations import accounts, errors
from audit_prep.invitations.services import (
    EXPIRED,
    PENDING,
    answer,
    locked_pending,
    mark_expired,
    new_secret,
    normalized,
    renew,
    state_of,
    take_back,
)
from audit_prep.models import InvitationStatus, Membership
from audit_prep.roles import Action

from . import auditor_errors
from .auditors import default_window, second_factor_passed
from .models import AuditorAccess, AuditorInvitation, Engagement

PURPOSE = "auditor"
MAIL_TASK = "workers.send_auditor_invitation"
MANAGE = Action.MANAGE_AUDITS
OPEN, NOT_YET_OPEN, ENDED, REVOKED = "open", "not_yet_open", "ended", "revoked"
INVITED = "invited"
STATE_LABELS = {OPEN: _("open"), NOT_YET_OPEN: _("not yet open"), ENDED: _("ended"),
                REVOKED: _("revoked"), INVITED: _("invited"), EXPIRED: _("invitation expired")}


def access_state(row: AuditorAccess, today: datetime.date | None = None) -> str:
    """What the quality manager sees of an access today: open, not yet open, ended, revoked."""
    today = today or timezone.localdate()
    if row.revoked_at is not None:
        return REVOKED
    if today < row.starts_on:
        return NOT_YET_OPEN
    return ENDED if today > row.ends_on else OPEN


def _facts(invitation: AuditorInvitation) -> dict:
    return {"engagement": invitation.engagement_id}


def _audited_invitation(invitation: AuditorInvitation) -> dict:
    return {**_facts(invitation), "email": invitation.email, "status": invitation.status,
            "starts_on": invitation.starts_on, "ends_on": invitation.ends_on,
            "expires_at": invitation.expires_at}


def _audited_access(row: AuditorAccess) -> dict:
    return {"engagement": row.engagement_id, "user": row.user_id, "starts_on": row.starts_on,
            "ends_on": row.ends_on, "revoked_at": row.revoked_at}


def _check_window(starts_on: datetime.date, ends_on: datetime.date) -> None:
    if ends_on < starts_on:
        raise auditor_errors.InvalidWindow()


def _is_member(engagement: Engagement, email: str) -> bool:
    return Membership.objects.filter(organization_id=engagement.organization_id,
                                     user__email__iexact=email).exists()


def invite(actor, engagement: Engagement, email: str, starts_on: datetime.date | None = None,
           ends_on: datetime.date | None = None) -> AuditorInvitation:
    """Invite `email` to audit `engagement` (quality managers), the access to open on
    `starts_on` and close after `ends_on` (by default: from today, or the audit's first day,
    until 30 days after its last day). Refused for a member's address, an address already
    holding an access, or one with a pending invitation; an expired one makes room."""
    access.require(actor, MANAGE, engagement.organization_id)
    email = normalized(email)
    default_start, default_end = default_window(engagement)
    starts_on, ends_on = starts_on or default_start, ends_on or default_end
    _check_window(starts_on, ends_on)
    with transaction.atomic():
        if _is_member(engagement, email):
            raise auditor_errors.AuditorIsMember()
        if AuditorAccess.objects.filter(engagement=engagement, user__email__iexact=email,
                                        revoked_at__isnull=True).exists():
            raise auditor_errors.AlreadyAuditor()
        pending = AuditorInvitation.objects.select_for_update().filter(
            engagement=engagement, email__iexact=email, status=PENDING).first()
        if pending is not None:
            if state_of(pending) == PENDING:
                raise auditor_errors.AlreadyInvitedAuditor(details={"invitation": pending.pk})
            mark_expired(actor, pending, _facts(pending))
        invitation = AuditorInvitation(engagement=engagement, email=email, starts_on=starts_on,
                                       ends_on=ends_on, invited_by=actor)
        new_secret(invitation, PURPOSE)
        try:
            with transaction.atomic():
                invitation.save()
        except IntegrityError:  # the same address invited meanwhile
            raise auditor_errors.AlreadyInvitedAuditor() from None
        audit.record(actor, "auditor_invitation.create", invitation,
                     after=_audited_invitation(invitation))
        tasks.enqueue_after_commit(MAIL_TASK, invitation.pk)
    return invitation


def _locked_pending(actor, invitation: AuditorInvitation) -> AuditorInvitation:
    access.require(actor, MANAGE, invitation.engagement.organization_id)
    return locked_pending(invitation)


def resend(actor, invitation: AuditorInvitation) -> AuditorInvitation:
    """A new secret and a new end for a pending (or expired) invitation, e-mailed again; the
    previous link opens nothing any more."""
    with transaction.atomic():
        invitation = _locked_pending(actor, invitation)
        renew(actor, invitation, purpose=PURPOSE, task=MAIL_TASK,
              action="auditor_invitation.resend", audited=_audited_invitation)
    return invitation


def withdraw(actor, invitation: AuditorInvitation) -> AuditorInvitation:
    """Take a pending invitation back; its link opens nothing any more."""
    with transaction.atomic():
        invitation = _locked_pending(actor, invitation)
        take_back(actor, invitation, action="auditor_invitation.withdraw",
                  audited=_audited_invitation)
    return invitation


def create_account(secret: str, username: str, password: str):
    """Signed out, and no account using the invited address: the invitee's new account. The
    invitation stays pending until they pass the second factor and accept."""
    def work(invitation: AuditorInvitation):
        account, _created = accounts.accepting_account(invitation.email, None, username,
                                                       password)
        audit.record(account, "auditor_invitation.account", invitation,
                     after={**_facts(invitation), "user": account.pk})
        return account

    return answer(secret, None, work, AuditorInvitation, _facts)


def _grant(user, invitation: AuditorInvitation) -> AuditorAccess:
    """The access the invitation gives: a new one, or the auditor's former (revoked) one
    opened again with the invitation's window."""
    row = AuditorAccess.objects.select_for_update().filter(
        engagement_id=invitation.engagement_id, user=user).first()
    if row is None:
        row = AuditorAccess.objects.create(
            engagement_id=invitation.engagement_id, user=user, starts_on=invitation.starts_on,
            ends_on=invitation.ends_on, granted_by=invitation.invited_by)
        audit.record(user, "auditor_access.create", row, after=_audited_access(row))
        return row
    before = _audited_access(row)
    row.starts_on, row.ends_on = invitation.starts_on, invitation.ends_on
    row.revoked_at = row.revoked_by = None
    row.granted_by = invitation.invited_by
    row.save(update_fields=["starts_on", "ends_on", "revoked_at", "revoked_by", "granted_by"])
    audit.record(user, "auditor_access.reopen", row, before=before, after=_audited_access(row))
    return row


def accept(secret: str, user) -> AuditorAccess:
    """Accept as the signed-in `user` whose address is the invited one, once their session
    passed the second factor: the access exists from now on."""
    def work(invitation: AuditorInvitation) -> AuditorAccess:
        if user is None or not user.is_authenticated:
            raise errors.SignInToAccept()
        if not accounts.same_address(user.email, invitation.email):
            raise errors.OtherAccount()
        if not second_factor_passed(user):
            raise auditor_errors.SecondFactorFirst()
        if Membership.objects.filter(organization_id=invitation.engagement.organization_id,
                                     user=user).exists():
            raise auditor_errors.AuditorIsMember()
        row = _grant(user, invitation)
        invitation.status = InvitationStatus.ACCEPTED
        invitation.user = user
        invitation.decided_at = timezone.now()
        invitation.save(update_fields=["status", "user", "decided_at"])
        audit.record(user, "auditor_invitation.accept", invitation,
                     after={**_facts(invitation), "status": invitation.status,
                            "user": user.pk})
        access.forget(user)
        return row

    return answer(secret, user, work, AuditorInvitation, _facts)


def _locked_access(actor, row: AuditorAccess) -> AuditorAccess:
    access.require(actor, MANAGE, row.engagement.organization_id)
    return AuditorAccess.objects.select_for_update().select_related("user").get(pk=row.pk)


def extend(actor, row: AuditorAccess, ends_on: datetime.date,
           starts_on: datetime.date | None = None) -> AuditorAccess:
    """Move the access's last day (and first day, when given): extending an ended access opens
    it again. A revoked access stays closed (invite the auditor again)."""
    with transaction.atomic():
        row = _locked_access(actor, row)
        if row.revoked_at is not None:
            raise auditor_errors.AccessRevoked()
        starts_on = starts_on or row.starts_on
        _check_window(starts_on, ends_on)
        before = _audited_access(row)
        row.starts_on, row.ends_on = starts_on, ends_on
        row.save(update_fields=["starts_on", "ends_on"])
        audit.record(actor, "auditor_access.extend", row, before=before,
                     after=_audited_access(row))
    access.forget(row.user)
    return row


def revoke(actor, row: AuditorAccess) -> AuditorAccess:
    """Close the access at once, whatever its dates."""
    with transaction.atomic():
        row = _locked_access(actor, row)
        if row.revoked_at is not None:
            raise auditor_errors.AccessRevoked()
        before = _audited_access(row)
        row.revoked_at, row.revoked_by = timezone.now(), actor
        row.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(actor, "auditor_access.revoke", row, before=before,
                     after=_audited_access(row))
    access.forget(row.user)
    return row


def auditors_of(engagement: Engagement, today: datetime.date | None = None) -> dict:
    """The engagement's auditors as its quality managers see them: the accesses with their
    state today, and the invitations still pending or expired unanswered (two queries)."""
    today = today or timezone.localdate()
    accesses = list(AuditorAccess.objects.filter(engagement=engagement)
                    .select_related("user").order_by("user__email", "id"))
    invitations = list(AuditorInvitation.objects.filter(engagement=engagement, status=PENDING)
                       .order_by("email", "id"))
    states = [(row, access_state(row, today)) for row in accesses]
    invited = [(invitation, INVITED if state_of(invitation) == PENDING else EXPIRED)
               for invitation in invitations]
    return {"accesses": [(row, state, STATE_LABELS[state]) for row, state in states],
            "invitations": [(row, state, STATE_LABELS[state]) for row, state in invited],
            "default_window": default_window(engagement, today)}


def panel(user, engagement: Engagement, posted=None) -> dict | None:
    """The auditors section of the engagement page, for those who manage audits only, with its
    invitation form's values (the default window, or what was `posted`)."""
    if not access.can(user, MANAGE, engagement.organization_id):
        return None
    found = auditors_of(engagement)
    starts_on, ends_on = found["default_window"]
    form = {"email": "", "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()}
    if posted is not None:
        form.update({name: posted.get(name, "") for name in form})
    return {**found, "form": form}


def drop_with_engagement(actor, engagement: Engagement) -> None:
    """An audit cancelled before it started takes its auditors' invitations and accesses with
    it (each recorded; the caller's transaction)."""
    for invitation in AuditorInvitation.objects.filter(engagement=engagement):
        audit.record(actor, "auditor_invitation.delete", invitation,
                     before=_audited_invitation(invitation))
    for row in AuditorAccess.objects.filter(engagement=engagement):
        audit.record(actor, "auditor_access.delete", row, before=_audited_access(row))
    AuditorInvitation.objects.filter(engagement=engagement).delete()
    AuditorAccess.objects.filter(engagement=engagement).delete()
