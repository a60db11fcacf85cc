"""The audits page of a structure's settings: its certificates with what each one needs next,
the audits to come and past, and the forms of the quality manager, with the API's checks and
messages beside the fields."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from audit_prep.roles import Role
from audits import services
from audits.models import Engagement

D = datetime.date
pytestmark = pytest.mark.usefixtures("today")


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(user)
    return client


def page(org) -> str:
    return f"/structures/{org.pk}/settings/audits/"


def plan_form(iso, **changes) -> dict:
    return {"form": "engagement", "kind": "surveillance_1", "referentials": [iso.pk],
            "start_date": "2027-02-10", "end_date": "2027-02-11",
            "certification_body": "AFNOR Certification", **changes}


def test_a_quality_manager_plans_an_audit_and_sees_it_in_the_cycle(org, qm, iso, adoption):
    services.create_certificate(qm, org, iso, {
        "certification_body": "AFNOR Certification", "decision_date": D(2026, 3, 2),
        "expiry_date": D(2029, 3, 1)})
    client = browser(qm)

    response = client.post(page(org), plan_form(iso, lead_auditor="Claire Martin"))

    assert response.status_code == 302
    text = client.get(response["Location"]).content.decode()
    assert "L’audit est enregistré." in text
    assert "Premier audit de surveillance" in text and "Claire Martin" in text
    assert 'status-milestone-planned">planifié' in text  # surveillance 1 answered
    assert 'status-milestone-to_plan">à planifier' in text  # surveillance 2, renewal
    adoption.refresh_from_db()
    assert adoption.target_audit_date == D(2027, 2, 10)


def test_a_refused_form_says_why_beside_the_field_and_keeps_what_was_typed(org, qm, iso,
                                                                          adoption):
    response = browser(qm).post(page(org), plan_form(iso, end_date="2027-02-01",
                                                     lead_auditor="Claire Martin"))
    assert response.status_code == 400
    text = response.content.decode()
    assert "Le dernier jour ne peut pas précéder le premier." in text
    assert 'aria-describedby="plan-end-errors"' in text and 'value="Claire Martin"' in text
    assert not Engagement.objects.exists()


def test_a_certification_audit_without_its_body_is_refused_with_the_services_message(
        org, qm, iso, adoption):
    response = browser(qm).post(page(org), plan_form(iso, certification_body=""))
    assert response.status_code == 400
    assert "Indiquez l’organisme certificateur" in response.content.decode()


def test_a_certificate_is_recorded_from_the_page(org, qm, iso, adoption):
    response = browser(qm).post(page(org), {
        "form": "certificate", "referential": iso.pk, "certification_body": "SGS",
        "number": "FR-42", "decision_date": "2026-03-02", "expiry_date": "2029-03-01"})
    assert response.status_code == 302
    assert org.certificates.get().number == "FR-42"


def test_a_started_audit_cannot_be_cancelled_and_the_page_says_so(org, qm, iso, adoption):
    audit = services.create_engagement(qm, org, {
        "kind": "internal", "referentials": [iso], "start_date": D(2026, 12, 4),
        "end_date": D(2026, 12, 5)})
    response = browser(qm).post(f"{page(org)}{audit.pk}/cancel/")
    assert response.status_code == 400
    assert "Cet audit a commencé ou a eu lieu" in response.content.decode()
    assert Engagement.objects.filter(pk=audit.pk).exists()


def test_members_read_the_audits_without_forms(org, qm, iso, adoption, member):
    services.create_engagement(qm, org, {"kind": "internal", "referentials": [iso],
                                         "start_date": D(2027, 1, 11),
                                         "end_date": D(2027, 1, 11)})
    text = browser(member(Role.CONTRIBUTOR)).get(page(org)).content.decode()
    assert "Audit interne" in text and "Certification et audits" in text
    assert "Planifier un audit" not in text and "<form method=\"post\">" not in text


def test_the_page_runs_the_same_queries_whatever_the_number_of_audits(org, qm, iso, adoption):
    def record(count):
        for n in range(count):
            services.create_engagement(qm, org, {
                "kind": "internal", "referentials": [iso],
                "start_date": D(2025, 1, 1) + datetime.timedelta(days=7 * n),
                "end_date": D(2025, 1, 1) + datetime.timedelta(days=7 * n)})

    client = browser(qm)
    record(2)
    client.get(page(org))  # warm-up: session, grants
    with CaptureQueriesContext(connection) as few:
        client.get(page(org))
    record(60)
    with CaptureQueriesContext(connection) as many:
        assert client.get(page(org)).status_code == 200
    assert len(many) == len(few)


def test_an_audits_page_leads_to_the_checklist_on_its_first_day(org, qm, iso, adoption):
    audit = services.create_engagement(qm, org, {
        "kind": "internal", "referentials": [iso], "start_date": D(2027, 1, 11),
        "end_date": D(2027, 1, 12)})
    text = browser(qm).get(f"{page(org)}{audit.pk}/").content.decode()
    assert f'href="/checklists/{adoption.pk}/?date=2027-01-11"' in text
    assert 'value="2027-01-12"' in text  # the form shows the audit as recorded
