"""Permission matrix of evidence requests on the auditor's side (the base: `auditors.py`): the
auditor's API (`/api/v1/audit/engagements/<id>/requests/...`) and workspace pages
(`/audit/<id>/requests/...`). The engagement's auditor (open access, second factor passed)
reads the requests, asks, reviews and writes on the auditor thread; every other auditor is
refused and logged; members read what the auditor sees (unlogged) but do not act as the
auditor, except that a quality manager answers on the auditor thread through the API.

The world's request on 7.2 (`ids["evidence_request"]`) is submitted here, so that it can be
reviewed: its answer is the one the auditor sees."""

import pytest
import time_machine

from audit_prep.models import AuditEvent
from audits.requests import services
from audits.requests.models import AuditorStatus, EvidenceRequest, RequestMessage, RequestOrigin

from .auditors import DURING, AuditorArea, AuditorMatrixSuite, auditor_world
from .base import Endpoint

API = "/api/v1/audit/engagements/{engagement}/requests/"
PAGES = "/audit/{engagement}/requests/"
ASK = {"asked": "Procès-verbal de la revue de direction", "due_date": "2027-03-16"}


def _ask(w):
    return {**ASK, "requirements": [w.ids["library_requirement"]]}


ENDPOINTS = [
    Endpoint("audit-request-list", "GET", API, "as auditor"),
    Endpoint("audit-request-list", "POST", API, "as auditor", data=_ask),
    Endpoint("audit-request-detail", "GET", API + "{evidence_request}/", "as auditor"),
    Endpoint("audit-request-review", "POST", API + "{evidence_request}/review/", "as auditor",
             data=lambda w: {"accepted": False}),
    Endpoint("audit-request-messages", "GET", API + "{evidence_request}/messages/",
             "as auditor"),
    Endpoint("audit-request-messages", "POST", API + "{evidence_request}/messages/",
             "as auditor", data=lambda w: {"body": "La version signée, svp."}),
    Endpoint("audit-requests", "GET", PAGES),
    Endpoint("audit-requests-new", "POST", PAGES + "new/", data=_ask, multipart=True),
    Endpoint("audit-request", "GET", PAGES + "{evidence_request}/"),
    Endpoint("audit-request-message-page", "POST", PAGES + "{evidence_request}/messages/",
             data=lambda w: {"body": "La version signée, svp."}, multipart=True),
    Endpoint("audit-request-review-page", "POST", PAGES + "{evidence_request}/review/",
             data=lambda w: {"decision": "accept"}, multipart=True),
]

READ = (401, 200, 200, 200, 404, 200, 403, 404, 404, 404, 404, 404)
PAGE = (302, 200, 200, 200, 404, 200, 302, 404, 404, 404, 404, 404)
# fmt: off
MATRIX = {
    # anonymous viewer contributor quality_manager outsider | auditor: open, unverified,
    # before, after, revoked, of another engagement of org, of other_org's engagement
    "audit-request-list GET as auditor": READ,
    "audit-request-list POST as auditor":
        (401, 403, 403, 403, 404, 201, 403, 404, 404, 404, 404, 404),
    "audit-request-detail GET as auditor": READ,
    "audit-request-review POST as auditor":
        (401, 403, 403, 403, 404, 200, 403, 404, 404, 404, 404, 404),
    "audit-request-messages GET as auditor": READ,
    "audit-request-messages POST as auditor":
        (401, 403, 403, 201, 404, 201, 403, 404, 404, 404, 404, 404),
    "audit-requests GET": PAGE,
    "audit-requests-new POST":
        (302, 403, 403, 403, 404, 302, 302, 404, 404, 404, 404, 404),
    "audit-request GET": PAGE,
    "audit-request-message-page POST":
        (302, 403, 403, 403, 404, 302, 302, 404, 404, 404, 404, 404),
    "audit-request-review-page POST":
        (302, 403, 403, 403, 404, 302, 302, 404, 404, 404, 404, 404),
}
# fmt: on

VERBS = {"audit-request-list GET as auditor": "view", "audit-request-detail GET as auditor":
         "view", "audit-request-messages GET as auditor": "view", "audit-requests GET": "page",
         "audit-request GET": "page"}


def _trail(w, subject, *actions):
    events = list(AuditEvent.objects.order_by("-id")[:len(actions)])
    assert [event.action for event in reversed(events)] == list(actions)
    assert {event.actor_id for event in events} == {w.users[subject].pk}
    assert {event.after["engagement"] for event in events} == {w.ids["engagement"]}


def _asked(w, subject, response):
    created = EvidenceRequest.objects.get(asked=ASK["asked"])
    assert created.origin == RequestOrigin.AUDITOR and created.assignee is None
    _trail(w, subject, "evidence_request.create")


def _reviewed(status):
    def check(w, subject, response):
        assert EvidenceRequest.objects.get(pk=w.ids["evidence_request"]).auditor_status == status
        _trail(w, subject, "evidence_request.review")
    return check


def _wrote(w, subject, response):
    message = RequestMessage.objects.latest("id")
    assert (message.thread, message.author_id) == ("auditor", w.users[subject].pk)
    _trail(w, subject, "evidence_request.message")


EFFECTS = {
    "audit-request-list POST as auditor": _asked,
    "audit-request-review POST as auditor": _reviewed(AuditorStatus.MORE_NEEDED),
    "audit-request-messages POST as auditor": _wrote,
    "audit-requests-new POST": _asked,
    "audit-request-message-page POST": _wrote,
    "audit-request-review-page POST": _reviewed(AuditorStatus.ACCEPTED),
}


def _listed(endpoint, w, subject, response):
    """The request with its submitted answer, never its internal thread or status."""
    if endpoint.method != "GET":
        return  # a write: its effect is checked
    if endpoint.is_api:
        body = response.json()
        [seen] = body if isinstance(body, list) else [body]
        assert seen["status"] == "submitted" and "assignee" not in seen
        assert [answer["title"] for answer in seen["answers"]] == ["Registre 2026"]
    else:
        text = response.content.decode()
        assert "Registre des formations 2026" in text and "A relire avant envoi." not in text


def _thread(endpoint, w, subject, response):
    if endpoint.method != "GET":
        return
    assert [m["body"] for m in response.json()] == ["Le registre est en cours de mise a jour."]


READS = {"audit-request-list": _listed, "audit-request-detail": _listed,
         "audit-request-messages": _thread, "audit-requests": _listed,
         "audit-request": _listed}


class TestAuditorRequests(AuditorMatrixSuite):
    area = AuditorArea(endpoints=ENDPOINTS, matrix=MATRIX, verbs=VERBS, reads=READS,
                       effects=EFFECTS)

    @pytest.fixture
    def world(self, world, tmp_path):
        """The auditors' world (`auditor_world`), its request submitted to the auditor."""
        with time_machine.travel(DURING, tick=False):
            built = auditor_world(world, tmp_path)
            services.submit(built.users["quality_manager"],
                            EvidenceRequest.objects.get(pk=built.ids["evidence_request"]))
            yield built
