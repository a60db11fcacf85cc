"""The referentials section of a structure's settings: a library referential adopted with a
target audit date, the date and warning window changed, requirements declared not applicable
with a justification (only those the rules allow) and applied again; the API's serializers,
services, audit events and refusal messages."""

import datetime
import re

import pytest

from audit_prep.models import AuditEvent
from checklists.models import Adoption, Exclusion, Referential
from checklists.services import tailoring
from tests.checklists.conftest import make_referential

from .pages import queries, settings, text

JUSTIFICATION = "Pas de conception : la structure met du personnel à disposition."


@pytest.fixture
def iso(db):
    return make_referential()


@pytest.fixture
def adoption(iso, org, qm):
    return tailoring.adopt(qm, org, iso[0], datetime.date(2027, 3, 15))


def test_a_quality_manager_adopts_a_referential_with_an_audit_date(manager, org, qm, iso):
    form = text(manager.get(settings(org, "referentials/")))
    assert "Cette structure ne suit encore aucun référentiel." in form
    assert f'<option value="{iso[0].pk}"' in form

    response = manager.post(settings(org, "referentials/"), {
        "referential": iso[0].pk, "target_audit_date": "2027-06-30", "warning_days": "45"},
        follow=True)
    adoption = Adoption.objects.get(organization=org)
    assert response.redirect_chain == [(settings(org, f"referentials/{adoption.pk}/"), 302)]
    assert "La structure suit maintenant Référentiel iso9001." in text(response)
    assert (adoption.referential, adoption.target_audit_date, adoption.warning_days) == (
        iso[0], datetime.date(2027, 6, 30), 45)
    event = AuditEvent.objects.get(action="referential.adopt")
    assert (event.actor, event.after["target_audit_date"]) == (qm, "2027-06-30")
    listed = text(manager.get(settings(org, "referentials/")))
    assert "30 juin 2027" in listed and f'<option value="{iso[0].pk}"' not in listed


def test_adopting_twice_or_a_bad_date_is_refused_with_the_apis_messages(manager, org, iso,
                                                                        adoption):
    again = manager.post(settings(org, "referentials/"), {"referential": iso[0].pk})
    assert again.status_code == 400
    assert "La structure suit déjà ce référentiel." in text(again)
    other, _ = make_referential(code="iso14001", clauses=[("4", None, [], None)])
    bad = manager.post(settings(org, "referentials/"), {"referential": other.pk,
                                                         "target_audit_date": "1999-12-31"})
    assert bad.status_code == 400
    page = text(bad)
    assert re.search(r'id="adopt-date-errors"><li>Choisissez une date entre 2000 et 2100.', page)
    assert 'aria-describedby="adopt-date-help adopt-date-errors"' in page
    assert Adoption.objects.filter(organization=org).count() == 1


def test_a_quality_manager_changes_the_target_audit_date(manager, org, qm, adoption):
    path = settings(org, f"referentials/{adoption.pk}/")
    assert 'value="2027-03-15"' in text(manager.get(path))
    response = manager.post(path, {"target_audit_date": "2027-04-02", "warning_days": "60"},
                            follow=True)
    assert response.redirect_chain == [(path, 302)]
    assert "Les réglages de Référentiel iso9001 ont été enregistrés." in text(response)
    adoption.refresh_from_db()
    assert (adoption.target_audit_date, adoption.warning_days) == (datetime.date(2027, 4, 2), 60)
    event = AuditEvent.objects.get(action="referential.adoption_update")
    assert (event.actor, event.before, event.after) == (
        qm, {"target_audit_date": "2027-03-15", "warning_days": 30},
        {"target_audit_date": "2027-04-02", "warning_days": 60})

    cleared = manager.post(path, {"target_audit_date": "", "warning_days": "60"})
    assert cleared.status_code == 302
    adoption.refresh_from_db()
    assert adoption.target_audit_date is None


def test_a_warning_window_out_of_range_is_refused_beside_its_field(manager, org, adoption):
    path = settings(org, f"referentials/{adoption.pk}/")
    refused = manager.post(path, {"target_audit_date": "2027-04-02", "warning_days": "400"})
    assert refused.status_code == 400
    page = text(refused)
    assert re.search(r'id="adoption-days-errors"><li>Entre 0 et 365 jours.', page)
    assert 'value="400"' in page  # what was typed stays
    adoption.refresh_from_db()
    assert (adoption.target_audit_date, adoption.warning_days) == (datetime.date(2027, 3, 15), 30)


def test_only_excludable_requirements_are_offered_and_excluded_with_a_justification(
        manager, org, qm, iso, adoption):
    path = settings(org, f"referentials/{adoption.pk}/exclusions/")
    form = text(manager.get(path))
    offered = re.findall(r'<option value="(\d+)"', form)
    assert offered == [str(iso[1]["8.3"].pk)]

    response = manager.post(path, {"requirement": iso[1]["8.3"].pk,
                                   "justification": JUSTIFICATION}, follow=True)
    assert response.redirect_chain == [(path, 302)]
    page = text(response)
    assert "8.3 est déclarée non applicable." in page and JUSTIFICATION in page
    exclusion = Exclusion.objects.get(organization=org)
    assert (exclusion.requirement, exclusion.justification, exclusion.decided_by) == (
        iso[1]["8.3"], JUSTIFICATION, qm)
    assert AuditEvent.objects.get(action="requirement.exclude").actor == qm
    assert "1 exclusion" in text(manager.get(settings(org, "referentials/")))


def test_a_requirement_the_rules_keep_is_refused_with_the_services_message(manager, org, iso,
                                                                           adoption):
    path = settings(org, f"referentials/{adoption.pk}/exclusions/")
    refused = manager.post(path, {"requirement": iso[1]["7.2"].pk,
                                  "justification": JUSTIFICATION})
    assert refused.status_code == 400
    assert "7.2 de ISO9001 ne peut pas être déclarée non applicable" in text(refused)
    unjustified = manager.post(path, {"requirement": iso[1]["8.3"].pk, "justification": "  "})
    assert unjustified.status_code == 400
    assert 'id="exclude-justification-errors"' in text(unjustified)
    assert not Exclusion.objects.exists()


def test_an_exclusion_is_withdrawn_and_the_requirement_applies_again(manager, org, qm, iso,
                                                                     adoption):
    exclusion = tailoring.exclude(qm, org, iso[1]["8.3"], JUSTIFICATION)
    path = settings(org, f"referentials/{adoption.pk}/exclusions/")
    response = manager.post(settings(org, f"exclusions/{exclusion.pk}/include/"), follow=True)
    assert response.redirect_chain == [(path, 302)]
    assert "8.3 s’applique de nouveau." in text(response)
    assert not Exclusion.objects.exists()
    event = AuditEvent.objects.get(action="requirement.include")
    assert (event.actor, event.before["justification"]) == (qm, JUSTIFICATION)


def test_other_members_read_without_forms_and_their_forged_posts_are_refused(
        browser_for, org, qm, contributor, iso, adoption):
    exclusion = tailoring.exclude(qm, org, iso[1]["8.3"], JUSTIFICATION)
    client = browser_for(contributor)
    base = settings(org, f"referentials/{adoption.pk}/")
    for path in (settings(org, "referentials/"), base, base + "exclusions/"):
        page = client.get(path)
        assert page.status_code == 200 and 'method="post"' not in text(page).split(
            "<main")[1].split("</main>")[0].replace('action="/i18n/setlang/"', ""), path
    assert JUSTIFICATION in text(client.get(base + "exclusions/"))
    assert client.post(settings(org, "referentials/"), {"referential": iso[0].pk}
                       ).status_code == 403
    assert client.post(base, {"target_audit_date": "2030-01-01"}).status_code == 403
    assert client.post(base + "exclusions/", {"requirement": iso[1]["8.3"].pk,
                                              "justification": "x"}).status_code == 403
    assert client.post(settings(org, f"exclusions/{exclusion.pk}/include/")).status_code == 403
    adoption.refresh_from_db()
    assert adoption.target_audit_date == datetime.date(2027, 3, 15)
    assert Exclusion.objects.filter(pk=exclusion.pk).exists()


def test_another_structures_referentials_are_not_found(browser_for, org, qm, outsider, iso,
                                                       adoption):
    client = browser_for(outsider)
    base = settings(org, f"referentials/{adoption.pk}/")
    assert client.get(settings(org, "referentials/")).status_code == 404
    assert client.get(base).status_code == 404
    assert client.post(base, {"target_audit_date": "2030-01-01"}).status_code == 404
    assert client.post(base + "exclusions/", {"requirement": iso[1]["8.3"].pk,
                                              "justification": "x"}).status_code == 404
    mine = settings(outsider.memberships.get().organization, f"referentials/{adoption.pk}/")
    assert client.get(mine).status_code == 404  # an adoption of org under their structure
    adoption.refresh_from_db()
    assert adoption.target_audit_date == datetime.date(2027, 3, 15)


def test_a_post_without_the_csrf_token_is_refused(browser_for, org, qm, iso, adoption):
    exclusion = tailoring.exclude(qm, org, iso[1]["8.3"], JUSTIFICATION)
    client = browser_for(qm, csrf=True)
    path = settings(org, f"referentials/{adoption.pk}/")
    assert client.post(path, {"target_audit_date": "2030-01-01"}).status_code == 403
    assert client.post(settings(org, "referentials/"), {"referential": iso[0].pk}
                       ).status_code == 403
    assert client.post(path + "exclusions/", {"edit": exclusion.pk,
                                              "requirement": iso[1]["8.3"].pk,
                                              "justification": "x"}).status_code == 403
    assert client.post(settings(org, f"exclusions/{exclusion.pk}/include/")).status_code == 403
    adoption.refresh_from_db()
    assert adoption.target_audit_date == datetime.date(2027, 3, 15)
    exclusion.refresh_from_db()
    assert exclusion.justification == JUSTIFICATION


def _own_requirements(qm, org, count):
    tailoring.upsert_own_requirements(qm, org, [
        {"ref_id": f"P{index}", "name_fr": f"Exigence propre {index}"}
        for index in range(count)])
    own = Referential.objects.get(organization=org)
    for requirement in own.requirements.all():
        if not Exclusion.objects.filter(requirement=requirement).exists():
            tailoring.exclude(qm, org, requirement, JUSTIFICATION)
    return Adoption.objects.get(organization=org, referential=own)


def test_the_pages_run_the_same_queries_for_2_and_12_rows(manager, org, qm):
    own = _own_requirements(qm, org, 2)
    libraries = [make_referential(code=f"ref{index}")[0] for index in range(10)]
    tailoring.adopt(qm, org, libraries[0])
    pages = (settings(org, "referentials/"), settings(org, f"referentials/{own.pk}/exclusions/"))
    small = [queries(manager, path) for path in pages]
    _own_requirements(qm, org, 12)
    for referential in libraries[1:]:
        tailoring.adopt(qm, org, referential)
    assert [queries(manager, path) for path in pages] == small


def test_an_exclusion_the_referential_no_longer_allows_is_shown_as_not_applied(manager, org, qm,
                                                                               iso, adoption):
    tailoring.exclude(qm, org, iso[1]["8.3"], JUSTIFICATION)
    iso[1]["8.3"].__class__.objects.filter(pk=iso[1]["8.3"].pk).update(excludable=False)
    page = text(manager.get(settings(org, f"referentials/{adoption.pk}/exclusions/")))
    assert "Non appliquée : le référentiel ne permet plus cette exclusion" in page
    assert "Réintégrer" in page


def test_a_quality_manager_changes_a_justification_in_its_row(manager, org, qm, iso, adoption):
    exclusion = tailoring.exclude(qm, org, iso[1]["8.3"], JUSTIFICATION)
    path = settings(org, f"referentials/{adoption.pk}/exclusions/")
    new = "Pas de conception de produits ni de services (revu en 2026)."
    blank = manager.post(path, {"edit": exclusion.pk, "requirement": iso[1]["8.3"].pk,
                                "justification": " "})
    assert blank.status_code == 400
    page = text(blank)
    assert f'aria-describedby="justification-{exclusion.pk}-errors"' in page
    assert 'id="exclude-justification-errors"' not in page  # the row's form, not the other
    assert re.search(r"<details open>", page)

    saved = manager.post(path, {"edit": exclusion.pk, "requirement": iso[1]["8.3"].pk,
                                "justification": new}, follow=True)
    assert saved.redirect_chain == [(path, 302)]
    assert "La justification de 8.3 a été enregistrée." in text(saved)
    exclusion.refresh_from_db()
    assert exclusion.justification == new
    event = AuditEvent.objects.filter(action="requirement.exclude").latest("pk")
    assert (event.before, event.after["justification"]) == ({"justification": JUSTIFICATION}, new)
