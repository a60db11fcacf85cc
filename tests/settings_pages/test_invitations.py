"""The invitations section of a structure's settings: an address invited with a role, the
pending invitations re-sent or withdrawn, with the API's services and refusals; the answer
never tells whether an account uses the address."""

import re

import pytest
from django.core import mail

from audit_prep.invitations import services as invitations
from audit_prep.models import AuditEvent, Invitation, InvitationStatus
from audit_prep.roles import Role
from tests.factories import UserFactory

from .pages import settings, text


@pytest.fixture
def sending(django_capture_on_commit_callbacks):
    """Run a request and the e-mail task it leaves for after the commit."""
    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)
    return run


def test_a_quality_manager_invites_an_address_with_a_role(manager, sending, org, qm):
    response = sending(manager.post, settings(org, "invitations/"),
                       {"email": "Nouvelle@Example.org", "role": Role.CONTRIBUTOR}, follow=True)
    assert response.redirect_chain == [(settings(org, "invitations/"), 302)]
    page = text(response)
    assert "L’invitation a été envoyée à Nouvelle@example.org." in page
    assert re.search(r"Nouvelle@example.org</th>\s*<td>Contributeur", page)
    invitation = Invitation.objects.get(organization=org)
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "Nouvelle@example.org", Role.CONTRIBUTOR, qm)
    assert AuditEvent.objects.get(action="invitation.create").actor == qm
    [message] = mail.outbox
    assert message.to == ["Nouvelle@example.org"]


def test_the_answer_does_not_tell_whether_an_account_uses_the_address(manager, sending, org):
    UserFactory(username="deja", email="deja@example.org")

    def answer(email):
        response = sending(manager.post, settings(org, "invitations/"),
                           {"email": email, "role": Role.VIEWER}, follow=True)
        said = re.search(r'<div id="messages".*?</div>', text(response), re.S).group(0)
        return response.status_code, said.replace(email, "ADDRESS")

    assert answer("deja@example.org") == answer("personne@example.org") == (
        200, answer("x@example.org")[1])
    assert "L’invitation a été envoyée à ADDRESS." in answer("y@example.org")[1]
    assert [message.to for message in mail.outbox][:2] == [["deja@example.org"],
                                                           ["personne@example.org"]]


def test_a_bad_address_is_refused_beside_its_field(manager, org):
    refused = manager.post(settings(org, "invitations/"), {"email": "personne", "role": "king"})
    assert refused.status_code == 400
    page = text(refused)
    assert 'aria-describedby="invite-email-errors"' in page
    assert re.search(r'id="invite-email-errors"><li>Saisissez une adresse e-mail valide.', page)
    assert re.search(r'id="invite-role-errors"><li>«\s?king\s?» n\'est pas un choix valide', page)
    assert 'value="personne"' in page  # what was typed stays
    assert not Invitation.objects.exists()


def test_a_member_or_a_pending_address_is_refused_with_the_services_message(manager, org, qm,
                                                                             contributor):
    contributor.email = "contributrice@example.org"
    contributor.save()
    member = manager.post(settings(org, "invitations/"),
                          {"email": "contributrice@example.org", "role": Role.VIEWER})
    assert member.status_code == 400
    assert "Cette adresse est déjà celle d'un membre de la structure." in text(member)
    invitations.invite(qm, org, "attente@example.org", Role.VIEWER)
    pending = manager.post(settings(org, "invitations/"),
                           {"email": "attente@example.org", "role": Role.VIEWER})
    assert pending.status_code == 400
    assert "Cette adresse a déjà une invitation en attente pour la structure" in text(pending)
    assert Invitation.objects.count() == 1


def test_a_pending_invitation_is_sent_again_or_withdrawn(manager, sending, org, qm):
    invitation = invitations.invite(qm, org, "attente@example.org", Role.VIEWER)
    old_hash = invitation.token_hash
    again = sending(manager.post, settings(org, f"invitations/{invitation.pk}/resend/"),
                    follow=True)
    assert "L’invitation à attente@example.org a été renvoyée." in text(again)
    invitation.refresh_from_db()
    assert invitation.token_hash != old_hash and len(mail.outbox) == 1
    assert AuditEvent.objects.get(action="invitation.resend").actor == qm

    withdrawn = manager.post(settings(org, f"invitations/{invitation.pk}/withdraw/"),
                             follow=True)
    page = text(withdrawn)
    assert "L’invitation à attente@example.org a été retirée." in page
    assert "Aucune invitation en attente." in page
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.WITHDRAWN
    assert AuditEvent.objects.get(action="invitation.withdraw").actor == qm


def test_contributors_get_403_and_outsiders_404(browser_for, org, qm, contributor, outsider):
    invitation = invitations.invite(qm, org, "attente@example.org", Role.VIEWER)
    mine = browser_for(contributor)
    assert mine.get(settings(org, "invitations/")).status_code == 403
    assert mine.post(settings(org, "invitations/"),
                     {"email": "x@example.org", "role": Role.QUALITY_MANAGER}).status_code == 403
    assert mine.post(settings(org, f"invitations/{invitation.pk}/withdraw/")).status_code == 403
    theirs = browser_for(outsider)
    assert theirs.get(settings(org, "invitations/")).status_code == 404
    assert theirs.post(settings(org, f"invitations/{invitation.pk}/withdraw/")).status_code == 404
    assert Invitation.objects.get().status == InvitationStatus.PENDING
    assert Invitation.objects.count() == 1


def test_another_structures_invitation_is_not_found(manager, org, other_org, outsider):
    theirs = invitations.invite(outsider, other_org, "quelqu.un@example.org", Role.VIEWER)
    assert manager.post(settings(org, f"invitations/{theirs.pk}/withdraw/")).status_code == 404
    assert manager.post(settings(org, f"invitations/{theirs.pk}/resend/")).status_code == 404
    assert Invitation.objects.get().status == InvitationStatus.PENDING


def test_a_post_without_the_csrf_token_is_refused(browser_for, org, qm):
    client = browser_for(qm, csrf=True)
    assert client.post(settings(org, "invitations/"),
                       {"email": "x@example.org", "role": Role.VIEWER}).status_code == 403
    assert not Invitation.objects.exists()
