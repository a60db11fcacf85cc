"""The members section of a structure's settings: roles listed and changed, a member removed
after confirmation, with the API's rules and messages (the last quality manager stays)."""

import re

import pytest

from audit_prep.invitations import services as invitations
from audit_prep.models import AuditEvent, Membership
from audit_prep.roles import Role
from tests.factories import MembershipFactory, UserFactory

from .pages import queries, settings, text


def test_the_structure_home_links_to_the_settings_for_quality_managers(manager, browser_for,
                                                                       org, contributor):
    assert settings(org) in text(manager.get(f"/structures/{org.pk}/"))
    assert settings(org) not in text(browser_for(contributor).get(f"/structures/{org.pk}/"))
    opened = manager.get(settings(org))
    assert (opened.status_code, opened["Location"]) == (302, settings(org, "members/"))


def test_members_are_listed_with_their_roles_and_the_sections(manager, org, qm, contributor):
    page = text(manager.get(settings(org, "members/")))
    assert "Membres et rôles" in page
    assert re.search(r"contributrice</th>.*?Contributeur", page, re.S)
    assert 'aria-current="page"' in page and settings(org, "invitations/") in page


def test_a_quality_manager_changes_a_role(manager, org, qm, contributor):
    membership = contributor.memberships.get()
    response = manager.post(settings(org, f"members/{membership.pk}/role/"),
                            {"role": Role.VIEWER}, follow=True)
    assert response.redirect_chain == [(settings(org, "members/"), 302)]
    assert "contributrice est maintenant lecteur." in text(response)
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER
    event = AuditEvent.objects.get(action="membership.update")
    assert (event.actor, event.before, event.after) == (qm, {"role": "contributor"},
                                                        {"role": "viewer"})


def test_the_last_quality_manager_keeps_the_role_with_the_services_message(manager, org, qm):
    own = qm.memberships.get()
    refused = manager.post(settings(org, f"members/{own.pk}/role/"), {"role": Role.VIEWER})
    assert refused.status_code == 400
    assert "Une structure garde au moins un responsable qualité." in text(refused)
    assert f'aria-describedby="role-errors-{own.pk}"' in text(refused)
    own.refresh_from_db()
    assert own.role == Role.QUALITY_MANAGER
    assert not AuditEvent.objects.filter(action="membership.update").exists()


def test_an_unknown_role_is_refused_with_the_serializers_message(manager, org, contributor):
    membership = contributor.memberships.get()
    refused = manager.post(settings(org, f"members/{membership.pk}/role/"), {"role": "king"})
    assert refused.status_code == 400
    assert re.search(r"<li>«\s?king\s?» n'est pas un choix valide.</li>", text(refused))
    assert Membership.objects.get(pk=membership.pk).role == Role.CONTRIBUTOR


def test_removing_a_member_asks_first(manager, org, qm, contributor):
    membership = contributor.memberships.get()
    path = settings(org, f"members/{membership.pk}/remove/")
    confirm = manager.get(path)
    assert confirm.status_code == 200 and "contributrice" in text(confirm)
    assert Membership.objects.filter(pk=membership.pk).exists()

    removed = manager.post(path, follow=True)
    assert removed.redirect_chain == [(settings(org, "members/"), 302)]
    assert "contributrice ne fait plus partie de AI du Val." in text(removed)
    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(action="membership.delete")
    assert (event.actor, event.before) == (qm, {"user": contributor.pk, "role": "contributor"})


def test_the_last_quality_manager_cannot_be_removed(manager, org, qm):
    own = qm.memberships.get()
    refused = manager.post(settings(org, f"members/{own.pk}/remove/"))
    assert refused.status_code == 400
    assert "Une structure garde au moins un responsable qualité." in text(refused)
    assert Membership.objects.filter(pk=own.pk).exists()


def test_a_quality_manager_who_leaves_goes_home(manager, org, qm, member):
    member(Role.QUALITY_MANAGER, username="autre-qualite")
    own = qm.memberships.get()
    response = manager.post(settings(org, f"members/{own.pk}/remove/"))
    assert (response.status_code, response["Location"]) == (302, "/")
    assert not Membership.objects.filter(pk=own.pk).exists()


def test_other_members_read_the_list_without_forms_and_a_forged_post_is_refused(
        browser_for, org, qm, contributor):
    client = browser_for(contributor)
    page = client.get(settings(org, "members/"))
    assert page.status_code == 200 and "qualite" in text(page)
    assert "<form method=\"post\" action=\"" + settings(org) not in text(page)
    assert settings(org, "invitations/") not in text(page)  # not their section
    target = qm.memberships.get()
    forged = client.post(settings(org, f"members/{target.pk}/role/"), {"role": Role.VIEWER})
    assert forged.status_code == 403
    assert client.get(settings(org, f"members/{target.pk}/remove/")).status_code == 403
    assert client.post(settings(org, f"members/{target.pk}/remove/")).status_code == 403
    assert Membership.objects.get(pk=target.pk).role == Role.QUALITY_MANAGER


def test_another_structures_members_are_not_found(manager, org, other_org, outsider):
    theirs = outsider.memberships.get()
    assert manager.get(settings(other_org, "members/")).status_code == 404
    assert manager.post(settings(org, f"members/{theirs.pk}/role/"),
                        {"role": Role.VIEWER}).status_code == 404
    assert manager.post(settings(org, f"members/{theirs.pk}/remove/")).status_code == 404
    assert Membership.objects.get(pk=theirs.pk).role == Role.QUALITY_MANAGER


def test_a_post_without_the_csrf_token_is_refused(browser_for, org, qm, contributor):
    client = browser_for(qm, csrf=True)
    membership = contributor.memberships.get()
    assert client.post(settings(org, f"members/{membership.pk}/role/"),
                       {"role": Role.VIEWER}).status_code == 403
    assert client.post(settings(org, f"members/{membership.pk}/remove/")).status_code == 403
    assert Membership.objects.get(pk=membership.pk).role == Role.CONTRIBUTOR


@pytest.mark.parametrize("path", ["members/", "invitations/"])
def test_list_pages_run_the_same_queries_for_3_and_30_rows(manager, org, qm, path):
    def grow(count):
        for index in range(count):
            MembershipFactory(organization=org, role=Role.CONTRIBUTOR,
                              user=UserFactory(username=f"membre-{count}-{index}"))
            invitations.invite(qm, org, f"n{count}-{index}@example.org", Role.VIEWER)

    grow(3)
    small = queries(manager, settings(org, path))
    grow(27)
    assert queries(manager, settings(org, path)) == small


def _sections(page: str) -> list[str]:
    nav = re.search(r'<nav class="settings-nav".*?</nav>', page, re.S).group(0)
    return re.findall(r'href="/structures/\d+/settings/([a-z]+)/"', nav)


def test_the_navigation_shows_each_person_the_sections_they_may_open(browser_for, manager, org,
                                                                     contributor):
    shown = _sections(text(manager.get(settings(org, "members/"))))
    assert shown[:3] == ["members", "invitations", "referentials"] and "reminders" in shown
    assert _sections(text(browser_for(contributor).get(settings(org, "members/")))) == [
        section for section in shown if section != "invitations"]


def test_the_pages_speak_english_too(browser_for, org, qm, contributor):
    client = browser_for(qm)
    page = text(client.get(settings(org, "members/"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "<h1>Members and roles</h1>" in page
    assert re.search(r"contributrice</th>.*?Contributor", page, re.S)
