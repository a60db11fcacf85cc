"""The findings pages of a structure's settings: a quality manager records the findings of an
internal audit, publishes, answers with a plan, and the log, the plan and the scales show them
(decision 0026). In French, with the API's refusals beside the forms."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from audit_prep.models import AuditEvent
from audits.models import Finding, FindingVersion, Grade
from checklists.models import Requirement

from .findings_world import grade, requirement

pytestmark = pytest.mark.usefixtures("today")


@pytest.fixture
def internal(stage_2):
    stage_2.kind = "internal"
    stage_2.save()
    return stage_2


@pytest.fixture
def browser(qm):
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(qm)
    return client


def findings_page(org, engagement):
    return f"/structures/{org.pk}/settings/audits/{engagement.pk}/findings/"


def finding_page(org, finding):
    return f"/structures/{org.pk}/settings/findings/{finding.pk}/"


def record(browser, org, iso, engagement, **changes):
    body = {"form": "draft", "grade": grade(org, "major_nc").pk,
            "text": "Le programme d'audit ne couvre pas les achats.",
            "requirements": [requirement(iso, "9.2.2").pk], **changes}
    return browser.post(findings_page(org, engagement), body)


def test_the_form_offers_the_librarys_requirements_and_the_structures_own(
        browser, org, iso, internal):
    own = Requirement.objects.create(
        referential=iso, organization=org, urn=f"{iso.urn}:9.2.2-a", ref_id="9.2.2-a",
        name_fr="Notre audit des achats",
        name_en="Our audit of purchasing", order=999, assessable=True)
    page = browser.get(findings_page(org, internal)).content.decode()
    for offered in (requirement(iso, "9.2.2"), own):
        assert f'<option value="{offered.pk}">' in page, offered.ref_id


def test_a_quality_manager_records_publishes_and_answers_an_internal_finding(
        browser, org, iso, internal, qm):
    page = browser.get(findings_page(org, internal)).content.decode()
    assert "Non-conformité majeure" in page and "Enregistrer un constat" in page
    refused = record(browser, org, iso, internal, requirements=[])
    assert refused.status_code == 400
    assert 'data-code="requirement_required"' in refused.content.decode()
    created = record(browser, org, iso, internal)
    finding = Finding.objects.get()
    assert created["Location"] == finding_page(org, finding)
    browser.post(finding_page(org, finding), {"form": "publish"})
    shown = browser.get(finding_page(org, finding)).content.decode()
    version = FindingVersion.objects.get()
    assert version.sha256 in shown and "ne couvre pas les achats" in shown
    assert "12 mai 2027" in shown  # the plan, 90 days after the audit's last day
    incomplete = browser.post(finding_page(org, finding), {"form": "submit"})
    assert incomplete.status_code == 400
    assert 'data-code="answer_incomplete"' in incomplete.content.decode()
    browser.post(finding_page(org, finding), {"form": "answer", "correction": "Audit planifié",
                                              "root_cause": "Programme recopié"})
    no_date = browser.post(finding_page(org, finding), {
        "form": "action", "description": "Refaire le programme", "owner": qm.username})
    assert no_date.status_code == 400 and 'id="action-due-errors"' in no_date.content.decode()
    browser.post(finding_page(org, finding), {
        "form": "action", "description": "Refaire le programme", "owner": qm.username,
        "due_date": "2027-03-31"})
    sent = browser.post(finding_page(org, finding), {"form": "submit"}, follow=True)
    assert "La réponse est transmise à l&#x27;auditeur." in sent.content.decode()
    finding.refresh_from_db()
    assert finding.status == "answered"
    assert AuditEvent.objects.filter(action="finding.submit", actor_id=qm.pk).exists()


def test_a_published_finding_is_corrected_by_a_new_version_from_the_page(
        browser, org, iso, internal):
    record(browser, org, iso, internal)
    finding = Finding.objects.get()
    browser.post(finding_page(org, finding), {"form": "publish"})
    browser.post(finding_page(org, finding), {"form": "correct"})
    browser.post(finding_page(org, finding), {
        "form": "draft", "grade": grade(org, "minor_nc").pk, "text": "Corrigé",
        "requirements": [requirement(iso, "9.2.2").pk]})
    browser.post(finding_page(org, finding), {"form": "publish"})
    page = browser.get(finding_page(org, finding)).content.decode()
    assert "Version 1" in page and "Version 2" in page and "Corrigé" in page
    assert [v.grade.code for v in finding.versions.all()] == ["major_nc", "minor_nc"]


def test_members_see_published_findings_only_and_no_forms(browser, org, iso, internal,
                                                          member):
    record(browser, org, iso, internal)
    draft = Finding.objects.get()
    viewer = Client(HTTP_ACCEPT_LANGUAGE="fr")
    viewer.force_login(member("viewer"))
    assert viewer.get(finding_page(org, draft)).status_code == 404  # the auditor's own
    browser.post(finding_page(org, draft), {"form": "publish"})
    page = viewer.get(finding_page(org, draft)).content.decode()
    assert "Le programme d&#x27;audit" in page and 'name="form"' not in page
    assert viewer.post(finding_page(org, draft), {"form": "answer",
                                                  "correction": "x"}).status_code == 403


def test_the_log_page_and_its_exports(browser, org, iso, internal):
    record(browser, org, iso, internal)
    browser.post(finding_page(org, Finding.objects.get()), {"form": "publish"})
    page = browser.get(f"/structures/{org.pk}/settings/improvement/").content.decode()
    assert "Registre des non-conformités" in page and "Le programme d&#x27;audit" in page
    plan = browser.get(f"/structures/{org.pk}/settings/improvement/?list=improvements")
    assert "Aucune piste de progrès" in plan.content.decode()
    xlsx = browser.get(f"/structures/{org.pk}/settings/improvement/export/xlsx/")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Audit" and rows[1][3] == "Non-conformité majeure"


def test_the_quality_manager_configures_a_scale_for_a_certification_body(browser, org):
    created = browser.post(f"/structures/{org.pk}/settings/grading-scales/",
                           {"form": "scale", "certification_body": "Bureau Veritas"})
    assert created.status_code == 302
    major = Grade.objects.get(scale__certification_body="Bureau Veritas", code="major_nc")
    saved = browser.post(f"/structures/{org.pk}/settings/grading-scales/grades/{major.pk}/", {
        "code": "major_nc", "label_fr": "NC majeure", "label_en": "Major NC",
        "severity": "major", "plan_days": "30", "verification_months": "3"})
    assert saved.status_code == 302
    major.refresh_from_db()
    assert (major.label_fr, major.plan_days, major.verification_months, major.improvement) == (
        "NC majeure", 30, 3, False)
    page = browser.get(f"/structures/{org.pk}/settings/grading-scales/").content.decode()
    assert "Bureau Veritas" in page and "Grille par défaut" in page


def test_the_engagement_page_shows_the_gate_of_a_surveillance(browser, org, iso, stage_2, qm,
                                                             auditor_api):
    from audits.models import Engagement

    from .findings_world import published
    published(auditor_api, stage_2, org, iso)
    surveillance = Engagement.objects.create(
        organization=org, created_by=qm, kind="surveillance_1", start_date="2028-01-10",
        end_date="2028-01-11", certification_body="AFNOR Certification")
    surveillance.referentials.set([iso])
    page = browser.get(f"/structures/{org.pk}/settings/audits/{surveillance.pk}/")
    text = page.content.decode()
    assert "status-gate-failed" in text and "#1" in text


def test_an_improvement_item_is_closed_from_the_page_and_a_nonconformity_is_not(
        browser, org, iso, internal):
    record(browser, org, iso, internal, grade=grade(org, "improvement").pk)
    record(browser, org, iso, internal)
    improvement, nonconformity = Finding.objects.order_by("number")
    for finding in (improvement, nonconformity):
        browser.post(finding_page(org, finding), {"form": "publish"})
    refused = browser.post(finding_page(org, nonconformity), {"form": "close"})
    assert refused.status_code == 400
    assert 'data-code="plan_not_accepted"' in refused.content.decode()
    closed = browser.post(finding_page(org, improvement), {"form": "close"}, follow=True)
    assert "Le constat est clos." in closed.content.decode()
    improvement.refresh_from_db()
    assert improvement.status == "closed"


def test_the_auditor_records_and_publishes_a_finding_in_the_workspace(org, iso, stage_2,
                                                                       stage_2_auditor, qm):
    from .otp import signed_in
    auditor = signed_in(stage_2_auditor)
    auditor.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    page = auditor.get(f"/audit/{stage_2.pk}/findings/").content.decode()
    assert "Enregistrer un constat" in page and "Non-conformité majeure" in page
    refused = auditor.post(f"/audit/{stage_2.pk}/findings/", {
        "form": "draft", "grade": grade(org, "major_nc").pk, "text": "Sans exigence"})
    assert 'data-code="requirement_required"' in refused.content.decode()
    created = auditor.post(f"/audit/{stage_2.pk}/findings/", {
        "form": "draft", "grade": grade(org, "minor_nc").pk, "text": "Achats non évalués",
        "requirements": [requirement(iso, "9.2.2").pk]})
    finding = Finding.objects.get()
    assert created["Location"] == f"/audit/{stage_2.pk}/findings/{finding.pk}/"
    # the structure does not see the draft, even in the preview of the workspace
    member = Client()
    member.force_login(qm)
    assert member.get(f"/audit/{stage_2.pk}/findings/{finding.pk}/").status_code == 404
    auditor.post(f"/audit/{stage_2.pk}/findings/{finding.pk}/", {"form": "publish"})
    shown = auditor.get(f"/audit/{stage_2.pk}/findings/{finding.pk}/").content.decode()
    assert FindingVersion.objects.get().sha256 in shown and "Achats non évalués" in shown
    assert AuditEvent.objects.filter(action="finding.publish",
                                     actor_id=stage_2_auditor.pk).exists()
    preview = member.get(f"/audit/{stage_2.pk}/findings/{finding.pk}/").content.decode()
    assert "Achats non évalués" in preview and 'name="form"' not in preview


def test_the_form_offers_the_audits_requirements_and_the_scales_grades(browser, org, iso,
                                                                       internal):
    page = browser.get(findings_page(org, internal)).content.decode()
    assert f'<option value="{requirement(iso, "9.2.2").pk}"' in page
    assert f'<option value="{requirement(iso, "9").pk}"' not in page  # a chapter: no finding
    assert f'<option value="{grade(org, "major_nc").pk}"' in page


def test_an_actions_owner_records_it_done_from_the_page(browser, org, iso, internal, member):
    owner = member("contributor")
    record(browser, org, iso, internal)
    finding = Finding.objects.get()
    browser.post(finding_page(org, finding), {"form": "publish"})
    browser.post(finding_page(org, finding), {
        "form": "action", "description": "Former les encadrants", "owner": owner.username,
        "due_date": "2027-03-31"})
    as_owner = Client(HTTP_ACCEPT_LANGUAGE="fr")
    as_owner.force_login(owner)
    page = as_owner.get(finding_page(org, finding)).content.decode()
    assert "La déclarer réalisée aujourd" in page and 'value="answer"' not in page
    action = finding.actions.get()
    done = as_owner.post(finding_page(org, finding), {"form": "done", "action": action.pk})
    assert done.status_code == 302
    action.refresh_from_db()
    assert str(action.done_on) == "2026-12-05"
