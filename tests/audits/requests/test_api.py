"""The evidence-request routes: the structure's (`evidence-requests/`, filters, answers, upload,
threads, submit) and the auditor's (`audit/engagements/<id>/requests/`), with what each side
sees; query counts fixed on the lists."""

import datetime
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits.requests import services
from audits.requests.models import EvidenceRequest, RequestAnswer, RequestStatus
from checklists.models import EvidenceLink
from tests.factories import EvidenceFactory

from .conftest import requirement

LIST = "/api/v1/evidence-requests/"


def audit_list(engagement):
    return f"/api/v1/audit/engagements/{engagement.pk}/requests/"


def body(engagement, referential, **fields):
    return {"engagement": engagement.pk, "requirements": [requirement(referential, "7.2").pk],
            "asked": "Plan de formation 2027", "due_date": "2027-01-20", **fields}


def test_a_quality_manager_asks_through_the_api(client_for, qm, engagement, referential,
                                                contributor):
    response = client_for(qm).post(LIST, body(engagement, referential,
                                              assignee=contributor.pk), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "open" and data["auditor_status"] == "requested"
    assert data["assignee_name"] == "contributrice" and data["overdue"] is False
    assert data["reference"] == f"DP-{data['id']:06d}"
    assert [r["ref_id"] for r in data["requirement_refs"]] == ["7.2"]


def test_a_requirement_outside_the_engagement_is_a_400(client_for, qm, engagement, referential):
    response = client_for(qm).post(LIST, body(engagement, referential, requirements=[
        requirement(referential, "7.2").pk, 10 ** 9]), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["requirements"]


def test_filters_status_assignee_due_before(client_for, qm, engagement, referential,
                                            contributor, asked):
    services.create_request(qm, engagement, {"requirements": [requirement(referential, "9.3.3")],
                                             "asked": "Revue de direction",
                                             "due_date": datetime.date(2027, 2, 1)})
    api = client_for(qm)

    def ids(query):
        response = api.get(LIST + query)
        assert response.status_code == 200, response.json()
        return [item["id"] for item in response.json()["results"]]

    assert len(ids("")) == 2
    assert ids(f"?assignee={contributor.pk}") == [asked.pk]
    assert ids("?due_before=2027-01-31") == [asked.pk]
    assert ids("?status=open") == ids("") and ids("?status=submitted") == []
    assert api.get(LIST + "?status=nonsense").status_code == 400


def test_answers_are_linked_withdrawn_and_submitted(client_for, qm, contributor, asked, org):
    evidence = EvidenceFactory(organization=org, created_by=qm)
    api = client_for(contributor)
    response = api.post(f"{LIST}{asked.pk}/answers/", {"evidence": evidence.pk}, format="json")
    assert response.status_code == 201, response.json()
    [answer] = response.json()["answers"]
    assert answer["evidence"] == evidence.pk and answer["submitted_at"] is None
    assert response.json()["status"] == "in_progress"
    response = api.delete(f"{LIST}{asked.pk}/answers/{answer['id']}/")
    assert response.status_code == 200 and response.json()["answers"] == []
    api.post(f"{LIST}{asked.pk}/answers/", {"evidence": evidence.pk}, format="json")
    assert api.post(f"{LIST}{asked.pk}/submit/").status_code == 403
    response = client_for(qm).post(f"{LIST}{asked.pk}/submit/")
    assert response.status_code == 200
    assert response.json()["auditor_status"] == "submitted"
    response = client_for(qm).post(f"{LIST}{asked.pk}/submit/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "nothing_to_submit"


def test_another_structures_evidence_is_a_404(client_for, contributor, asked, outsider,
                                               other_org):
    theirs = EvidenceFactory(organization=other_org, created_by=outsider)
    response = client_for(contributor).post(f"{LIST}{asked.pk}/answers/",
                                            {"evidence": theirs.pk}, format="json")
    assert response.status_code == 404
    assert not RequestAnswer.objects.exists()


def test_an_upload_answers_with_new_evidence_tagged_to_the_requirements(
        client_for, contributor, asked, media_root):
    handle = io.BytesIO(b"Registre des formations 2026\n")
    handle.name = "registre.txt"
    response = client_for(contributor).post(f"{LIST}{asked.pk}/upload/", {
        "files": [handle], "title": "Registre des formations", "kind": "record",
        "effective_date": "2026-12-01"}, format="multipart")
    assert response.status_code == 201, response.json()
    [answer] = response.json()["answers"]
    assert answer["title"] == "Registre des formations"
    assert set(EvidenceLink.objects.filter(evidence_id=answer["evidence"]).values_list(
        "requirement__ref_id", flat=True)) == {"7.2"}


def test_threads_through_the_api(client_for, qm, contributor, auditor, asked):
    api = client_for(contributor)
    path = f"{LIST}{asked.pk}/messages/"
    assert api.post(path, {"thread": "internal", "body": "Je m'en occupe."},
                    format="json").status_code == 201
    assert api.post(path, {"thread": "auditor", "body": "Bonjour"},
                    format="json").status_code == 403
    assert [m["body"] for m in api.get(path + "?thread=internal").json()] == [
        "Je m'en occupe."]
    assert api.get(path + "?thread=auditor").json() == []
    # the auditor has no member route at all
    assert client_for(auditor).get(path + "?thread=internal").status_code == 404
    assert client_for(auditor).get(f"{LIST}{asked.pk}/").status_code == 404


def test_nothing_of_the_answer_reaches_the_auditor_before_submission(
        client_for, qm, contributor, auditor, asked, engagement, org):
    evidence = EvidenceFactory(organization=org, created_by=qm, title="Registre 2026")
    services.add_answer(contributor, asked, evidence)
    services.mark_answered(contributor, asked)
    auditor_api = client_for(auditor)
    [seen] = auditor_api.get(audit_list(engagement)).json()
    assert seen["status"] == "requested" and seen["answers"] == []
    assert "assignee" not in seen and "auditor_status" not in seen
    detail = auditor_api.get(f"{audit_list(engagement)}{asked.pk}/").json()
    assert detail["answers"] == [] and "Registre 2026" not in str(detail)
    services.submit(qm, asked)
    detail = auditor_api.get(f"{audit_list(engagement)}{asked.pk}/").json()
    assert detail["status"] == "submitted"
    assert [a["title"] for a in detail["answers"]] == ["Registre 2026"]
    # a later answer stays hidden until the next submission
    services.review(auditor, asked, accepted=False)
    services.add_answer(contributor, asked, EvidenceFactory(organization=org, created_by=qm,
                                                            title="Registre 2025"))
    detail = auditor_api.get(f"{audit_list(engagement)}{asked.pk}/").json()
    assert detail["status"] == "more_needed"
    assert [a["title"] for a in detail["answers"]] == ["Registre 2026"]


def test_the_auditor_asks_reviews_and_writes_on_the_auditor_thread(
        client_for, qm, contributor, auditor, engagement, referential, org):
    api = client_for(auditor)
    response = api.post(audit_list(engagement), {
        "requirements": [requirement(referential, "9.2.2").pk],
        "asked": "Dernier rapport d'audit interne", "due_date": "2027-02-10"}, format="json")
    assert response.status_code == 201, response.json()
    created = EvidenceRequest.objects.get(pk=response.json()["id"])
    assert created.origin == "auditor" and created.assignee is None
    path = f"{audit_list(engagement)}{created.pk}/"
    response = api.post(path + "messages/", {"body": "Version signée, svp."}, format="json")
    assert response.status_code == 201 and response.json()["thread"] == "auditor"
    assert [m["body"] for m in api.get(path + "messages/").json()] == ["Version signée, svp."]
    assert api.post(path + "review/", {"accepted": True}, format="json").status_code == 409
    services.add_answer(contributor, created, EvidenceFactory(organization=org, created_by=qm))
    services.submit(qm, created)
    response = api.post(path + "review/", {"accepted": True}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    created.refresh_from_db()
    assert created.status == RequestStatus.CLOSED


def test_a_member_reads_the_auditor_routes_but_cannot_act_as_the_auditor(
        client_for, qm, asked, engagement, referential):
    api = client_for(qm)
    assert api.get(audit_list(engagement)).status_code == 200
    response = api.post(audit_list(engagement), {
        "requirements": [requirement(referential, "7.2").pk], "asked": "x",
        "due_date": "2027-02-10"}, format="json")
    assert response.status_code == 403
    assert api.post(f"{audit_list(engagement)}{asked.pk}/review/", {"accepted": True},
                    format="json").status_code == 403


def test_an_auditor_of_another_engagement_sees_nothing(client_for, auditor, outsider, other_org,
                                                       asked):
    from audits import services as audits
    from checklists.services import tailoring
    from tests.checklists.conftest import make_referential

    referential, _ = make_referential(code="cap")
    tailoring.adopt(outsider, other_org, referential)
    theirs = audits.create_engagement(outsider, other_org, {
        "kind": "internal", "referentials": [referential],
        "start_date": datetime.date(2027, 2, 10), "end_date": datetime.date(2027, 2, 10)})
    api = client_for(auditor)
    assert api.get(audit_list(theirs)).status_code == 404
    assert api.get(f"{audit_list(theirs)}{asked.pk}/").status_code == 404
    assert api.get("/api/v1/audit/engagements/999999/requests/").status_code == 404


def test_lists_take_a_fixed_number_of_queries(client_for, qm, contributor, auditor, engagement,
                                              referential, org):
    api, auditor_api = client_for(qm), client_for(auditor)

    def add(count):
        for index in range(count):
            created = services.create_request(qm, engagement, {
                "requirements": [requirement(referential, "7.2"),
                                 requirement(referential, "9.2.2")],
                "asked": f"Document {index}", "due_date": datetime.date(2027, 1, 15),
                "assignee": contributor})
            services.add_answer(contributor, created, EvidenceFactory(organization=org,
                                                                      created_by=qm))
            services.submit(qm, created)

    def queries(count):
        with CaptureQueriesContext(connection) as member_list:
            assert len(api.get(LIST).json()["results"]) == count
        with CaptureQueriesContext(connection) as auditor_list:
            assert len(auditor_api.get(audit_list(engagement)).json()) == count
        return len(member_list), len(auditor_list)

    add(2)
    queries(2)  # sessions, grants and the like are read once
    few = queries(2)
    add(10)
    assert queries(12) == few
    assert few[0] <= 8 and few[1] <= 8, few
