"""The auditor's pages of evidence requests in the workspace: the list with the status shown
to the auditor, asking, one request with the submitted answers only (opened through the
workspace's evidence page), the auditor thread, the review; never the internal thread."""

from audit_prep.models import AuditEvent
from audits.requests import services, threads
from audits.requests.models import AuditorStatus, EvidenceRequest, RequestOrigin
from tests.audits import otp
from tests.factories import EvidenceFactory

from .conftest import requirement


def test_the_auditor_asks_and_follows_a_request(auditor, qm, contributor, asked, engagement,
                                               referential, org):
    client = otp.signed_in(auditor)
    base = f"/audit/{engagement.pk}/requests/"
    text = client.get(base).content.decode()
    assert asked.reference in text and "En attente de réponse" in text
    assert f'href="{base}"' in text  # the workspace's navigation has the entry
    response = client.post(base + "new/", {
        "requirements": [requirement(referential, "9.2.2").pk],
        "asked": "Dernier rapport d'audit interne", "due_date": "2027-02-10"})
    assert response.status_code == 302
    created = EvidenceRequest.objects.get(asked="Dernier rapport d'audit interne")
    assert created.origin == RequestOrigin.AUDITOR and created.created_by == auditor

    threads.post_message(contributor, asked, "internal", "Ne pas envoyer la version 2025.")
    hidden = EvidenceFactory(organization=org, created_by=qm, title="Brouillon du registre")
    services.add_answer(contributor, asked, hidden)
    page = f"{base}{asked.pk}/"
    text = client.get(page).content.decode()
    assert "Brouillon du registre" not in text and "Ne pas envoyer" not in text
    assert "Rien n'a encore été transmis." in text
    services.submit(qm, asked)
    text = client.get(page).content.decode()
    assert f'href="/audit/{engagement.pk}/evidence/{hidden.pk}/"' in text
    assert client.get(f"/audit/{engagement.pk}/evidence/{hidden.pk}/").status_code == 200
    assert client.post(page + "messages/", {"body": "Merci, et la version signée ?"}
                       ).status_code == 302
    assert client.post(page + "review/", {"decision": "more"}).status_code == 302
    asked.refresh_from_db()
    assert asked.auditor_status == AuditorStatus.MORE_NEEDED
    visits = AuditEvent.objects.filter(actor_id=auditor.pk, action="auditor.page")
    assert visits.filter(object_id=str(asked.pk)).exists()


def test_a_quality_manager_previews_but_does_not_act_as_the_auditor(qm, asked, engagement,
                                                                      referential):
    client = otp.signed_in(qm)
    base = f"/audit/{engagement.pk}/requests/"
    text = client.get(base).content.decode()
    assert "workspace-preview" in text and 'name="asked"' not in text
    assert client.post(base + "new/", {"requirements": [requirement(referential, "7.2").pk],
                                       "asked": "x", "due_date": "2027-02-10"}
                       ).status_code == 403
    assert EvidenceRequest.objects.count() == 1


def test_the_auditors_list_takes_a_fixed_number_of_queries(auditor, qm, contributor,
                                                           engagement, referential, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = otp.signed_in(auditor)
    path = f"/audit/{engagement.pk}/requests/"

    def add(count):
        for index in range(count):
            item = services.create_request(qm, engagement, {
                "requirements": [requirement(referential, "7.2"),
                                 requirement(referential, "9.2.2")],
                "asked": f"Document {index}", "due_date": engagement.start_date})
            services.add_answer(contributor, item, EvidenceFactory(organization=org,
                                                                   created_by=qm))
            services.submit(qm, item)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    add(2)
    queries()
    few = queries()
    add(10)
    assert queries() == few
