"""Inviting an external auditor to one audit (decision 0029): the e-mail's link, an account
and a second factor, then the access; an address of a member is refused; re-send, withdraw and
expiry as for member invitations; every step in the audit trail with its engagement."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit_prep.invitations import tokens
from audit_prep.models import AuditEvent, InvitationStatus
from audit_prep.roles import Role
from audits import auditor_services
from audits.auditor_errors import AlreadyAuditor, AuditorIsMember, SecondFactorFirst
from audits.models import AuditorAccess
from tests.factories import UserFactory

from .auditor_world import PASSWORD, audit_ahead, inviter
from .otp import code_of, device_for, signed_in


@pytest.fixture
def engagement(org, qm, today):
    return audit_ahead(org, qm)


@pytest.fixture
def invite(qm, engagement, django_capture_on_commit_callbacks):
    return inviter(qm, engagement, django_capture_on_commit_callbacks)


DEFAULT_END = datetime.date(2027, 3, 13)  # 30 days after the audit's last day


def page(secret: str) -> str:
    return f"/auditor-invitations/{secret}/"


def test_the_invitation_has_the_default_window_and_a_french_e_mail(invite, engagement, qm):
    invitation, secret = invite("Claire.Martin@Example.org")
    assert (invitation.starts_on, invitation.ends_on) == (datetime.date(2026, 12, 5),
                                                          DEFAULT_END)
    assert invitation.email == "Claire.Martin@example.org"
    assert invitation.token_hash == tokens.hash_of(secret)
    message = mail.outbox[-1]
    assert "AI du Val" in message.subject and "auditer" in message.body
    event = AuditEvent.objects.get(action="auditor_invitation.create")
    assert event.after["engagement"] == engagement.pk and event.actor_id == qm.pk


def test_a_new_auditor_creates_an_account_enrols_and_gets_the_access(invite, engagement):
    invitation, secret = invite("claire@example.org")
    client = Client()
    shown = client.get(page(secret))
    assert shown.status_code == 200 and shown.context["step"] == "account"
    created = client.post(page(secret), {"username": "claire", "password": PASSWORD})
    assert created.status_code == 302
    step = client.get(page(secret))
    assert step.context["step"] == "code" and step.context["enrolling"]
    assert "<svg" in step.content.decode()
    assert not AuditorAccess.objects.exists()  # not before the second factor
    device = TOTPDevice.objects.get(user__username="claire")
    wrong = client.post(page(secret), {"code": code_of(device, offset_steps=9)})
    assert wrong.status_code == 400 and not AuditorAccess.objects.exists()
    with time_machine.travel(datetime.timedelta(seconds=30)):  # django-otp's delay
        accepted = client.post(page(secret), {"code": code_of(device)})
    assert accepted.status_code == 302 and accepted["Location"] == "/audit/"
    row = AuditorAccess.objects.get()
    assert (row.user.username, row.engagement, row.starts_on, row.ends_on) == (
        "claire", engagement, invitation.starts_on, DEFAULT_END)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED and invitation.user == row.user
    assert client.get("/audit/").status_code == 200  # the session passed the second factor
    actions = list(AuditEvent.objects.filter(after__engagement=engagement.pk)
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["auditor_invitation.create", "auditor_invitation.account",
                       "auditor_access.create", "auditor_invitation.accept"]


def test_an_existing_account_signs_in_and_types_its_code(invite, engagement):
    auditor = UserFactory(username="paul", email="paul@example.org")
    device = device_for(auditor)
    _invitation, secret = invite("paul@example.org")
    client = signed_in(auditor, verified=False)
    step = client.get(page(secret))
    assert step.context["step"] == "code" and not step.context["enrolling"]
    assert client.post(page(secret), {"code": code_of(device)}).status_code == 302
    assert AuditorAccess.objects.filter(user=auditor, engagement=engagement).exists()


def test_the_link_refuses_another_account(invite, qm, outsider):
    _invitation, secret = invite("claire@example.org")
    client = signed_in(outsider, verified=False)
    assert client.get(page(secret)).context["step"] == "other_account"
    client.post(page(secret), {"code": "123456"})
    assert not AuditorAccess.objects.exists()


def test_accepting_needs_the_second_factor(invite):
    auditor = UserFactory(username="paul", email="paul@example.org")
    _invitation, secret = invite("paul@example.org")
    auditor.is_verified = lambda: False
    with pytest.raises(SecondFactorFirst):
        auditor_services.accept(secret, auditor)


def test_an_address_of_a_member_is_refused(invite, member, engagement, qm):
    member(Role.VIEWER, username="lecteur")
    with pytest.raises(AuditorIsMember) as refused:
        auditor_services.invite(qm, engagement, "LECTEUR@example.org")
    assert refused.value.code == "auditor_is_member"
    assert "membre de la structure" in str(refused.value.detail)


def test_an_auditor_already_holding_the_access_is_not_invited_again(invite, qm, engagement):
    auditor = UserFactory(username="paul", email="paul@example.org")
    device_for(auditor)
    _invitation, secret = invite("paul@example.org")
    auditor.is_verified = lambda: True
    auditor_services.accept(secret, auditor)
    with pytest.raises(AlreadyAuditor):
        auditor_services.invite(qm, engagement, "paul@example.org")


@pytest.mark.parametrize("closing", ["expired", "withdrawn"])
def test_an_expired_or_withdrawn_link_says_so(invite, qm, closing):
    invitation, secret = invite("claire@example.org")
    if closing == "withdrawn":
        auditor_services.withdraw(qm, invitation)
        travel = time_machine.travel(datetime.timedelta(0))
    else:
        travel = time_machine.travel(invitation.expires_at + datetime.timedelta(seconds=1))
    with travel:
        client = Client()
        shown = client.get(page(secret))
        assert shown.status_code == 410
        refused = client.post(page(secret), {"username": "claire", "password": PASSWORD})
        assert refused.status_code == 410
    assert not AuditorAccess.objects.exists()
    assert not UserFactory._meta.model.objects.filter(username="claire").exists()


def test_resend_makes_a_new_link_and_kills_the_old_one(invite, qm):
    invitation, old = invite("claire@example.org")
    invitation = auditor_services.resend(qm, invitation)
    assert invitation.token_hash != tokens.hash_of(old)
    assert Client().get(page(old)).status_code == 404
    event = AuditEvent.objects.get(action="auditor_invitation.resend")
    assert event.after["engagement"] == invitation.engagement_id


def test_an_expired_invitation_makes_room_for_a_new_one(invite, qm, engagement):
    invitation, _secret = invite("claire@example.org")
    with time_machine.travel(invitation.expires_at + datetime.timedelta(days=1)):
        again = auditor_services.invite(qm, engagement, "claire@example.org")
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.EXPIRED and again.status == "pending"


def test_a_revoked_auditor_invited_again_gets_the_access_back(invite, qm, engagement):
    auditor = UserFactory(username="paul", email="paul@example.org")
    _invitation, secret = invite("paul@example.org")
    auditor.is_verified = lambda: True
    row = auditor_services.accept(secret, auditor)
    auditor_services.revoke(qm, row)
    _again, secret = invite("paul@example.org", ends_on=datetime.date(2027, 4, 1))
    row = auditor_services.accept(secret, auditor)
    assert row.revoked_at is None and row.ends_on == datetime.date(2027, 4, 1)
    assert AuditorAccess.objects.count() == 1
