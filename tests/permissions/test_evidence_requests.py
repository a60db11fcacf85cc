"""Permission matrix of evidence requests: the structure's routes (`evidence-requests/`) and the
auditor's (`audit/engagements/<id>/requests/`) for members and outsiders. Every member reads
them; quality managers ask, change, import and submit; contributors and quality managers answer
and write on the internal thread; on the auditor's routes members only read (no role holds
`Action.AUDIT`) but quality managers speak for the structure on the auditor thread. The world:
each structure's audit has one request on 7.2, answered by an item not yet submitted, with a
message on each thread (`world.py`); the checks: `base.py`."""

import io

from audit_prep.models import AuditEvent
from audits.requests.models import (
    AuditorStatus,
    EvidenceRequest,
    RequestAnswer,
    RequestMessage,
    RequestStatus,
)
from checklists.models import EvidenceLink

from .base import Area, CrossStructureSuite, Endpoint, MatrixSuite, cross_request, other

REQUESTS = "/api/v1/evidence-requests/"
REQUEST = REQUESTS + "{evidence_request}/"
AUDIT = "/api/v1/audit/engagements/{engagement}/requests/"


def request_create(w):
    return {"engagement": w.ids["engagement"], "requirements": [w.ids["library_requirement"]],
            "asked": "Plan de formation 2027", "due_date": "2027-03-01"}


def request_put(w):
    return {"requirements": [w.ids["library_requirement"]], "asked": "Plan de formation",
            "due_date": "2027-03-05", "assignee": None}


def upload_body(w):
    handle = io.BytesIO(b"Registre des formations 2026, version signee.\\n")
    handle.name = "registre-signe.txt"
    return {"files": [handle], "title": "Registre signé", "kind": "record",
            "effective_date": "2026-12-01"}


def import_body(w):
    handle = io.BytesIO("exigences;demande;échéance\n6.2.1;Objectifs qualité;01/03/2027\n"
                        .encode())
    handle.name = "demandes.csv"
    return {"engagement": w.ids["engagement"], "file": handle}


BOARD = "/structures/{org}/settings/audits/{engagement}/requests/"
PAGE = BOARD + "{evidence_request}/"


def _form(**fields):
    return lambda w: dict(fields)


def page_ask(w):
    return {"requirements": [w.ids["library_requirement"]], "asked": "Plan de formation 2027",
            "due_date": "2027-03-01"}


ENDPOINTS = [
    Endpoint("evidencerequest-list", "GET", REQUESTS, listing=EvidenceRequest),
    Endpoint("evidencerequest-detail", "GET", REQUEST),
    Endpoint("evidencerequest-list", "POST", REQUESTS, data=request_create),
    Endpoint("evidencerequest-detail", "PATCH", REQUEST, data=lambda w: {"asked": "Registre"}),
    Endpoint("evidencerequest-detail", "PUT", REQUEST, data=request_put),
    Endpoint("evidencerequest-add-answer", "POST", REQUEST + "answers/",
             data=lambda w: {"evidence": w.ids["evidence"]}),
    Endpoint("evidencerequest-remove-answer", "DELETE", REQUEST + "answers/{request_answer}/"),
    Endpoint("evidencerequest-upload", "POST", REQUEST + "upload/", data=upload_body,
             multipart=True),
    Endpoint("evidencerequest-mark-answered", "POST", REQUEST + "mark-answered/"),
    Endpoint("evidencerequest-submit", "POST", REQUEST + "submit/"),
    Endpoint("evidencerequest-messages", "GET", REQUEST + "messages/"),
    Endpoint("evidencerequest-messages", "POST", REQUEST + "messages/",
             data=lambda w: {"thread": "internal", "body": "Je m'en occupe."}),
    Endpoint("evidencerequest-messages", "POST", REQUEST + "messages/", "auditor thread",
             data=lambda w: {"thread": "auditor", "body": "Envoyé ce jour."}),
    Endpoint("evidencerequest-import-requests", "POST", REQUESTS + "import/", data=import_body,
             multipart=True),
    # the auditor's routes, as members and outsiders reach them
    Endpoint("audit-request-list", "GET", AUDIT),
    Endpoint("audit-request-list", "POST", AUDIT, data=lambda w: {
        "requirements": [w.ids["library_requirement"]], "asked": "x", "due_date": "2027-03-01"}),
    Endpoint("audit-request-detail", "GET", AUDIT + "{evidence_request}/"),
    Endpoint("audit-request-review", "POST", AUDIT + "{evidence_request}/review/",
             data=lambda w: {"accepted": True}),
    Endpoint("audit-request-messages", "GET", AUDIT + "{evidence_request}/messages/"),
    Endpoint("audit-request-messages", "POST", AUDIT + "{evidence_request}/messages/",
             data=lambda w: {"body": "Envoyé ce jour."}),
    # the structure's pages (forms posted as browsers post them)
    Endpoint("structure-settings-requests", "GET", BOARD),
    Endpoint("structure-settings-requests", "POST", BOARD, data=page_ask, multipart=True),
    Endpoint("structure-settings-requests-import", "POST", BOARD + "import/", multipart=True,
             data=lambda w: {"file": import_body(w)["file"]}),
    Endpoint("structure-settings-requests-import", "GET", BOARD + "import/"),
    Endpoint("structure-settings-request", "GET", PAGE),
    Endpoint("structure-settings-request", "POST", PAGE, multipart=True,
             data=_form(asked="Registre", due_date="2027-03-05", assignee="")),
    Endpoint("structure-settings-request-answer", "POST", PAGE + "answers/", multipart=True,
             data=lambda w: {"evidence": w.ids["evidence"]}),
    Endpoint("structure-settings-request-answer-remove", "POST",
             PAGE + "answers/{request_answer}/remove/"),
    Endpoint("structure-settings-request-upload", "POST", PAGE + "upload/", data=upload_body,
             multipart=True),
    Endpoint("structure-settings-request-answered", "POST", PAGE + "answered/"),
    Endpoint("structure-settings-request-submit", "POST", PAGE + "submit/"),
    Endpoint("structure-settings-request-message", "POST", PAGE + "messages/", multipart=True,
             data=_form(thread="internal", body="Je m'en occupe.")),
]

# fmt: off
MATRIX = {
    # endpoint                                     anonymous viewer contributor qm   outsider
    "evidencerequest-list GET":                        (401,  200,   200,       200,  200),
    "evidencerequest-detail GET":                      (401,  200,   200,       200,  404),
    "evidencerequest-list POST":                       (401,  403,   403,       201,  400),
    "evidencerequest-detail PATCH":                    (401,  403,   403,       200,  404),
    "evidencerequest-detail PUT":                      (401,  403,   403,       200,  404),
    "evidencerequest-add-answer POST":                 (401,  403,   201,       201,  404),
    "evidencerequest-remove-answer DELETE":            (401,  403,   200,       200,  404),
    "evidencerequest-upload POST":                     (401,  403,   201,       201,  404),
    "evidencerequest-mark-answered POST":              (401,  403,   200,       200,  404),
    "evidencerequest-submit POST":                     (401,  403,   403,       200,  404),
    "evidencerequest-messages GET":                    (401,  200,   200,       200,  404),
    "evidencerequest-messages POST":                   (401,  403,   201,       201,  404),
    # the structure speaks to the auditor through its quality managers
    "evidencerequest-messages POST auditor thread":    (401,  403,   403,       201,  404),
    "evidencerequest-import-requests POST":            (401,  403,   403,       201,  400),
    # members read what the auditor sees; none of them acts as the auditor
    "audit-request-list GET":                          (401,  200,   200,       200,  404),
    "audit-request-list POST":                         (401,  403,   403,       403,  404),
    "audit-request-detail GET":                        (401,  200,   200,       200,  404),
    "audit-request-review POST":                       (401,  403,   403,       403,  404),
    "audit-request-messages GET":                      (401,  200,   200,       200,  404),
    "audit-request-messages POST":                     (401,  403,   403,       201,  404),
    # pages: anonymous visitors sign in first, another structure's audit is 404
    "structure-settings-requests GET":                 (302,  200,   200,       200,  404),
    "structure-settings-requests POST":                (302,  403,   403,       302,  404),
    "structure-settings-requests-import POST":         (302,  403,   403,       302,  404),
    "structure-settings-requests-import GET":          (302,  405,   405,       405,  405),
    "structure-settings-request GET":                  (302,  200,   200,       200,  404),
    "structure-settings-request POST":                 (302,  403,   403,       302,  404),
    "structure-settings-request-answer POST":          (302,  403,   302,       302,  404),
    "structure-settings-request-answer-remove POST":   (302,  403,   302,       302,  404),
    "structure-settings-request-upload POST":          (302,  403,   302,       302,  404),
    "structure-settings-request-answered POST":        (302,  403,   302,       302,  404),
    "structure-settings-request-submit POST":          (302,  403,   403,       302,  404),
    "structure-settings-request-message POST":         (302,  403,   302,       302,  404),
}
# fmt: on


def _last_events(*actions):
    events = list(AuditEvent.objects.order_by("-id")[:len(actions)])
    assert [event.action for event in reversed(events)] == list(actions)
    return events


def _request(w):
    return EvidenceRequest.objects.get(pk=w.ids["evidence_request"])


def _created(w, response, user):
    created = EvidenceRequest.objects.exclude(pk=w.ids["evidence_request"]).get(
        engagement_id=w.ids["engagement"])
    assert created.engagement_id == w.ids["engagement"] and created.created_by_id == user.pk
    [event] = _last_events("evidence_request.create")
    assert event.after["engagement"] == w.ids["engagement"]


def _changed(**fields):
    def check(w, response, user):
        found = _request(w)
        assert {name: str(getattr(found, name)) for name in fields} == fields
        _last_events("evidence_request.update")
    return check


def _answered(w, response, user):
    assert RequestAnswer.objects.filter(request_id=w.ids["evidence_request"],
                                        evidence_id=w.ids["evidence"]).exists()
    _last_events("evidence_request.answer_add")


def _withdrawn(w, response, user):
    assert not RequestAnswer.objects.filter(pk=w.ids["request_answer"]).exists()
    _last_events("evidence_request.answer_remove")


def _uploaded(w, response, user):
    answer = RequestAnswer.objects.filter(request_id=w.ids["evidence_request"]).latest("id")
    assert answer.evidence.title == "Registre signé" and answer.added_by_id == user.pk
    assert EvidenceLink.objects.filter(evidence=answer.evidence,
                                       requirement__ref_id="7.2").exists()


def _marked(w, response, user):
    assert _request(w).status == RequestStatus.ANSWERED
    _last_events("evidence_request.answered")


def _submitted(w, response, user):
    found = _request(w)
    assert found.auditor_status == AuditorStatus.SUBMITTED
    assert not found.answers.filter(submitted_at__isnull=True).exists()
    _last_events("evidence_request.submit")


def _posted(thread, body):
    def check(w, response, user):
        message = RequestMessage.objects.latest("id")
        assert (message.thread, message.body, message.author_id) == (thread, body, user.pk)
        _last_events("evidence_request.message")
    return check


def _imported(w, response, user):
    created = EvidenceRequest.objects.exclude(pk=w.ids["evidence_request"]).get(
        engagement_id=w.ids["engagement"])
    assert created.asked == "Objectifs qualité"
    _last_events("evidence_request.create")


EFFECTS = {
    "evidencerequest-list POST": _created,
    "evidencerequest-detail PATCH": _changed(asked="Registre"),
    "evidencerequest-detail PUT": _changed(asked="Plan de formation", due_date="2027-03-05"),
    "evidencerequest-add-answer POST": _answered,
    "evidencerequest-remove-answer DELETE": _withdrawn,
    "evidencerequest-upload POST": _uploaded,
    "evidencerequest-mark-answered POST": _marked,
    "evidencerequest-submit POST": _submitted,
    "evidencerequest-messages POST": _posted("internal", "Je m'en occupe."),
    "evidencerequest-messages POST auditor thread": _posted("auditor", "Envoyé ce jour."),
    "evidencerequest-import-requests POST": _imported,
    "audit-request-messages POST": _posted("auditor", "Envoyé ce jour."),
    "structure-settings-requests POST": _created,
    "structure-settings-requests-import POST": _imported,
    "structure-settings-request POST": _changed(asked="Registre", due_date="2027-03-05"),
    "structure-settings-request-answer POST": _answered,
    "structure-settings-request-answer-remove POST": _withdrawn,
    "structure-settings-request-upload POST": _uploaded,
    "structure-settings-request-answered POST": _marked,
    "structure-settings-request-submit POST": _submitted,
    "structure-settings-request-message POST": _posted("internal", "Je m'en occupe."),
}


def _auditor_list(endpoint, w, subject, response):
    [seen] = response.json()
    assert seen["id"] == w.ids["evidence_request"]
    assert seen["answers"] == [] and "assignee" not in seen  # not submitted: nothing shown


def _auditor_detail(endpoint, w, subject, response):
    body = response.json()
    assert body["id"] == w.ids["evidence_request"] and body["answers"] == []
    assert body["status"] == "requested"


def _auditor_thread(endpoint, w, subject, response):
    assert [m["body"] for m in response.json()] == ["Le registre est en cours de mise a jour."]


def _board(endpoint, w, subject, response):
    text = response.content.decode()
    assert "Registre des formations 2026" in text and "Chantier voisin" not in text
    assert ('name="asked"' in text) == (subject == "quality_manager")


def _request_page(endpoint, w, subject, response):
    text = response.content.decode()
    assert "Registre 2026" in text and "A relire avant envoi." in text
    assert ('name="files"' in text) == (subject in ("contributor", "quality_manager"))


READS = {"structure-settings-requests": _board, "structure-settings-request": _request_page,
         "evidencerequest-messages": _auditor_thread, "audit-request-list": _auditor_list,
         "audit-request-detail": _auditor_detail, "audit-request-messages": _auditor_thread}

QM, NOT_THERE = "quality_manager", "does_not_exist"

CROSS_CASES = {
    "request in other_org's audit":
        (QM, cross_request(REQUESTS, request_create, engagement=other("engagement")), 400,
         "engagement", NOT_THERE),
    "request on other_org's own requirement":
        (QM, cross_request(REQUESTS, request_create,
                           requirements=lambda w: [w.other_ids["added_requirement"]]),
         400, "requirements", NOT_THERE),
    "both orgs: request where only viewer":
        ("dual", cross_request(REQUESTS, request_create, engagement=other("engagement")), 403,
         None, None),
}

FILTERS = [(REQUESTS + "?engagement={}", "engagement")]


class TestEvidenceRequests(MatrixSuite, CrossStructureSuite):
    area = Area(
        endpoints=ENDPOINTS, matrix=MATRIX, effects=EFFECTS, reads=READS, storing=frozenset(
            {"evidencerequest-upload POST", "structure-settings-request-upload POST"}),
        options_paths=(REQUEST,), cross_cases=CROSS_CASES, filters=FILTERS,
    )
