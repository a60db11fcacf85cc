"""The structure's pages of evidence requests: the board by internal status (overdue said in
words), asking and importing (quality managers), one request's page with its answers, steps
and two threads; a fixed number of queries on the board."""

import datetime
import io

import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from audits.requests import services, threads
from audits.requests.models import AuditorStatus, EvidenceRequest, RequestMessage
from tests.audits import otp
from tests.factories import EvidenceFactory

from .conftest import requirement


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(user)
    return client


def board_path(engagement):
    return f"/structures/{engagement.organization_id}/settings/audits/{engagement.pk}/requests/"


def page_path(engagement, item):
    return f"{board_path(engagement)}{item.pk}/"


def test_the_board_groups_by_status_and_says_overdue_in_words(qm, asked, engagement):
    with time_machine.travel(datetime.datetime(2027, 1, 20, 9, tzinfo=datetime.UTC),
                             tick=False):
        response = signed_in(qm).get(board_path(engagement))
    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="status-open">À traiter (1)' in text
    assert 'id="status-closed">Acceptée par l&#x27;auditeur, close (0)' in text
    assert asked.reference in text and "Registre des formations 2026" in text
    assert 'class="status status-overdue">en retard</span>' in text
    assert "1 en retard" in text


def test_the_board_takes_a_fixed_number_of_queries(qm, contributor, engagement, referential):
    client = signed_in(qm)

    def add(count):
        for index in range(count):
            item = services.create_request(qm, engagement, {
                "requirements": [requirement(referential, "7.2"),
                                 requirement(referential, "9.2.2")],
                "asked": f"Document {index}", "due_date": datetime.date(2027, 1, 15),
                "assignee": contributor})
            services.add_answer(contributor, item, EvidenceFactory(
                organization=engagement.organization, created_by=qm))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(board_path(engagement)).status_code == 200
        return len(captured)

    add(2)
    queries()
    few = queries()
    add(10)
    assert queries() == few


def test_a_quality_manager_asks_from_the_board(qm, contributor, engagement, referential):
    client = signed_in(qm)
    response = client.post(board_path(engagement), {
        "requirements": [requirement(referential, "7.2").pk], "asked": "Plan de formation",
        "due_date": "2027-01-20", "assignee": contributor.pk})
    assert response.status_code == 302
    created = EvidenceRequest.objects.get()
    assert created.assignee == contributor and created.asked == "Plan de formation"
    refused = client.post(board_path(engagement), {"asked": "Sans exigence",
                                                   "due_date": "2027-01-20"})
    assert refused.status_code == 400
    assert 'id="ask-requirements-errors"' in refused.content.decode()
    assert EvidenceRequest.objects.count() == 1


def test_a_contributor_sees_the_board_without_the_forms(contributor, asked, engagement):
    text = signed_in(contributor).get(board_path(engagement)).content.decode()
    assert asked.reference in text and 'name="asked"' not in text
    response = signed_in(contributor).post(board_path(engagement), {"asked": "x"})
    assert response.status_code == 403


def test_an_import_reports_every_bad_row_and_imports_nothing(qm, engagement):
    path = board_path(engagement) + "import/"
    bad = io.BytesIO("exigences;demande;échéance\n7.2;Bon;15/01/2027\n4.1;Inconnue;2027-01-15\n"
                     "7.2;;hier\n".encode())
    bad.name = "demandes.csv"
    response = signed_in(qm).post(path, {"file": bad})
    text = response.content.decode()
    assert response.status_code == 400
    assert "Lignes refusées" in text and "<td>3</td>" in text and "<td>4</td>" in text
    assert not EvidenceRequest.objects.exists()
    good = io.BytesIO("exigences;demande;échéance\n7.2;Registre;15/01/2027\n".encode())
    good.name = "demandes.csv"
    response = signed_in(qm).post(path, {"file": good}, follow=True)
    assert "1 demande importée" in response.content.decode()
    assert EvidenceRequest.objects.get().asked == "Registre"


def test_answer_submit_and_threads_from_the_request_page(qm, contributor, asked, engagement,
                                                         org, media_root):
    evidence = EvidenceFactory(organization=org, created_by=qm, title="Registre 2026")
    page = page_path(engagement, asked)
    contributor_client, qm_client = signed_in(contributor), signed_in(qm)
    text = contributor_client.get(page).content.decode()
    assert f'<option value="{evidence.pk}">Registre 2026</option>' in text
    assert contributor_client.post(page + "answers/", {"evidence": evidence.pk}).status_code \
        == 302
    upload = io.BytesIO(b"Registre signe\n")
    upload.name = "registre-signe.txt"
    response = contributor_client.post(page + "upload/", {
        "title": "Registre signé", "kind": "record", "effective_date": "2026-12-01",
        "files": [upload]})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert asked.answers.count() == 2
    text = contributor_client.get(page).content.decode()
    assert "pas encore transmise" in text.lower() or "not submitted yet" in text
    assert contributor_client.post(page + "submit/").status_code == 403
    assert qm_client.post(page + "submit/").status_code == 302
    asked.refresh_from_db()
    assert asked.auditor_status == AuditorStatus.SUBMITTED
    assert contributor_client.post(page + "messages/", {
        "thread": "internal", "body": "Relu."}).status_code == 302
    assert contributor_client.post(page + "messages/", {
        "thread": "auditor", "body": "Bonjour"}).status_code == 403
    assert qm_client.post(page + "messages/", {
        "thread": "auditor", "body": "Voici le registre signé."}).status_code == 302
    assert list(RequestMessage.objects.order_by("id").values_list("thread", "body")) == [
        ("internal", "Relu."), ("auditor", "Voici le registre signé.")]
    refused = qm_client.post(page + "messages/", {"thread": "internal", "body": "  "})
    assert refused.status_code == 400 and "Écrivez un message" in refused.content.decode()


def test_a_viewer_reads_the_request_and_its_threads_but_writes_nothing(viewer, asked,
                                                                       engagement, qm):
    threads.post_message(qm, asked, "internal", "A relire.")
    client = signed_in(viewer)
    text = client.get(page_path(engagement, asked)).content.decode()
    assert "A relire." in text and 'name="body"' not in text and 'name="files"' not in text
    assert client.post(page_path(engagement, asked) + "messages/", {
        "thread": "internal", "body": "x"}).status_code == 403


def test_the_auditor_has_no_structure_page(auditor, asked, engagement):
    client = otp.signed_in(auditor)
    assert client.get(board_path(engagement)).status_code == 404
    assert client.get(page_path(engagement, asked)).status_code == 404
    assert client.post(page_path(engagement, asked) + "messages/", {
        "thread": "internal", "body": "x"}).status_code == 404
