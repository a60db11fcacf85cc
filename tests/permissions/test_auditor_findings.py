"""The auditor's axes of findings (decision 0026), on the auditor's base (`auditors.py`): the
auditor of the engagement, past the second factor and while the access is open, reads and
writes its findings in the workspace and through the API; members of the structure preview the
published findings only (a draft is the auditor's own: 404) and may not write as the auditor
(403); every other auditor (before, after, revoked, unverified, of another engagement or
structure) is refused and logged."""

import pytest

from audit_prep import access
from audit_prep.models import AuditEvent
from audits import answers, findings
from audits.models import Engagement, Finding, FindingVersion, Grade

from .auditors import AuditorArea, AuditorMatrixSuite
from .base import Endpoint

PAGES, API = "/audit/{engagement}/findings/", "/api/v1/audit/engagements/{engagement}/"


def body(w):
    return {"grade": w.ids["audit_grade"], "text": "Revue de direction incomplète",
            "requirements": [w.ids["audit_requirement"]]}


ENDPOINTS = [
    Endpoint("audit-findings-page", "GET", PAGES),
    Endpoint("audit-findings-page", "POST", PAGES, multipart=True,
             data=lambda w: {**body(w), "form": "draft"}),
    Endpoint("audit-finding-page", "GET", PAGES + "{audit_finding}/"),
    Endpoint("audit-finding-page", "GET", PAGES + "{audit_draft}/", "draft"),
    Endpoint("audit-finding-page", "POST", PAGES + "{audit_draft}/", "publish", multipart=True,
             data=lambda w: {"form": "publish"}),
    Endpoint("audit-finding-page", "POST", PAGES + "{audit_finding}/", "correct",
             multipart=True, data=lambda w: {"form": "correct"}),
    Endpoint("audit-finding-page", "POST", PAGES + "{audit_finding}/", "review",
             multipart=True, data=lambda w: {"form": "review", "decision": "accept"}),
    Endpoint("audit-finding-page", "POST", PAGES + "{audit_improvement}/", "close",
             multipart=True, data=lambda w: {"form": "close"}),
    Endpoint("audit-findings", "GET", API + "findings/", "as auditor"),
    Endpoint("audit-findings", "POST", API + "findings/", "as auditor", data=body),
    Endpoint("audit-finding-publish", "POST", API + "findings/{audit_draft}/publish/",
             "as auditor"),
    Endpoint("audit-grading-scale", "GET", API + "grading-scale/", "as auditor"),
]

READ = (302, 200, 200, 200, 404, 200, 302, 404, 404, 404, 404, 404)
AUDITOR_ONLY = (302, 404, 404, 404, 404, 200, 302, 404, 404, 404, 404, 404)
PAGE_WRITE = (302, 403, 403, 403, 404, 302, 302, 404, 404, 404, 404, 404)
DRAFT_WRITE = (302, 404, 404, 404, 404, 302, 302, 404, 404, 404, 404, 404)
# fmt: off
MATRIX = {
    # anonymous viewer contributor quality_manager outsider | auditor: open, unverified,
    # before, after, revoked, of another engagement of org, of other_org's engagement
    "audit-findings-page GET": READ,
    "audit-findings-page POST": PAGE_WRITE,
    "audit-finding-page GET": READ,
    "audit-finding-page GET draft": AUDITOR_ONLY,
    "audit-finding-page POST publish": DRAFT_WRITE,
    "audit-finding-page POST correct": PAGE_WRITE,
    "audit-finding-page POST review": PAGE_WRITE,
    "audit-finding-page POST close": PAGE_WRITE,
    "audit-findings GET as auditor":
        (401, 403, 403, 403, 404, 200, 403, 404, 404, 404, 404, 404),
    "audit-findings POST as auditor":
        (401, 403, 403, 403, 404, 201, 403, 404, 404, 404, 404, 404),
    "audit-finding-publish POST as auditor":
        (401, 403, 403, 403, 404, 200, 403, 404, 404, 404, 404, 404),
    "audit-grading-scale GET as auditor":
        (401, 403, 403, 403, 404, 200, 403, 404, 404, 404, 404, 404),
}
# fmt: on
VERBS = {"audit-findings-page GET": "page", "audit-finding-page GET": "page",
         "audit-finding-page GET draft": "page", "audit-findings GET as auditor": "view",
         "audit-grading-scale GET as auditor": "view"}


def _listed(endpoint, w, subject, response):
    """The auditor sees the draft too; members preview the published findings only."""
    text = response.content.decode() if not endpoint.is_api else ""
    ids = ({item["id"] for item in response.json()} if endpoint.is_api else
           {pk for pk in (w.ids["audit_finding"], w.ids["audit_draft"],
                          w.ids["audit_improvement"]) if f"/findings/{pk}/" in text})
    published = {w.ids["audit_finding"], w.ids["audit_improvement"]}
    assert ids == (published | {w.ids["audit_draft"]} if subject == "auditor" else published)


def _finding_page(endpoint, w, subject, response):
    text = response.content.decode()
    assert w.org.name in text and ("SHA-256" in text or "Brouillon" in text)
    assert ("workspace-preview" in text) == (subject != "auditor")


def _scale(endpoint, w, subject, response):
    assert len(response.json()["grades"]) == 7


def _trail(w, *actions):
    """The last audit events are the write's own, by the auditor (a form sent is not logged
    as a page after it)."""
    events = list(AuditEvent.objects.order_by("-id")[:len(actions)])[::-1]
    assert [(e.action, e.actor_id) for e in events] == [
        (action, w.users["auditor"].pk) for action in actions]


def _drafted(w, subject, response):
    finding = Finding.objects.get(engagement_id=w.ids["engagement"], number=4)
    assert finding.versions.get().text == "Revue de direction incomplète"
    _trail(w, "finding.draft")


def _published(w, subject, response):
    assert FindingVersion.objects.get(finding_id=w.ids["audit_draft"]).sha256
    _trail(w, "finding.publish")


def _corrected(w, subject, response):
    assert Finding.objects.get(pk=w.ids["audit_finding"]).versions.count() == 2
    _trail(w, "finding.correct")


def _status(expected, event):
    def check(w, subject, response):
        key = "audit_finding" if event == "finding.review" else "audit_improvement"
        assert Finding.objects.get(pk=w.ids[key]).status == expected
        _trail(w, event)
    return check


EFFECTS = {"audit-findings-page POST": _drafted, "audit-findings POST as auditor": _drafted,
           "audit-finding-page POST publish": _published,
           "audit-finding-publish POST as auditor": _published,
           "audit-finding-page POST correct": _corrected,
           "audit-finding-page POST review": _status("accepted", "finding.review"),
           "audit-finding-page POST close": _status("closed", "finding.close")}
READS = {"audit-findings-page": _listed, "audit-findings": _listed,
         "audit-finding-page": _finding_page, "audit-grading-scale": _scale}


class TestAuditorFindings(AuditorMatrixSuite):
    area = AuditorArea(endpoints=ENDPOINTS, matrix=MATRIX, verbs=VERBS, reads=READS,
                       effects=EFFECTS)

    @pytest.fixture(autouse=True)
    def audit_findings(self, world):
        """On the engagement the auditor audits: a major nonconformity the structure answered
        (a plan submitted), an improvement item, and a draft."""
        auditor, qm = world.users["auditor"], world.users["quality_manager"]
        auditor.is_verified = lambda: True
        access.forget(auditor)
        audited = Engagement.objects.get(pk=world.ids["engagement"])
        grades = {grade.code: grade.pk for grade in Grade.objects.filter(
            scale__organization=world.org, scale__certification_body="")}

        def drafted(code, text):
            return findings.draft_finding(auditor, audited, {
                "grade": grades[code], "text": text,
                "requirements": [world.ids["audit_requirement"]]})

        major = findings.publish(auditor, drafted("major_nc", "Pas de revue de direction"))
        answers.answer(qm, major, {"correction": "Revue tenue", "root_cause": "Oubli"})
        answers.add_action(qm, major, {"description": "Planifier la revue", "owner": qm,
                                       "due_date": major.plan_due})
        answers.submit(qm, major)
        improvement = findings.publish(auditor, drafted("improvement", "Numériser"))
        draft = drafted("major_nc", "Brouillon")
        del auditor.is_verified
        access.forget(auditor)
        world.ids.update(audit_finding=major.pk, audit_improvement=improvement.pk,
                         audit_draft=draft.pk, audit_grade=grades["major_nc"])
