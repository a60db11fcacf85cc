"""Permission matrix of findings (decision 0026): members read the published findings of their
structure's audits, the log and the scales; quality managers answer, plan actions and configure
scales; the auditor's routes need `Action.AUDIT` on the engagement (here an internal audit, which
the quality manager audits: contributors and viewers get 403, the outsider 404). The external
auditor's axes (dates, revocation, second factor) are in the auditor matrix."""

from audit_prep.models import AuditEvent
from audits.models import CorrectiveAction, Finding, FindingVersion, Grade, GradingScale

from .base import Area, CrossStructureSuite, Endpoint, MatrixSuite, cross_request, other, other_org

FINDINGS, ACTIONS = "/api/v1/findings/", "/api/v1/corrective-actions/"
SETTINGS = "/structures/{org}/settings/"
FINDING_PAGE = SETTINGS + "findings/{finding}/"
DRAFT_PAGE = SETTINGS + "findings/{draft_finding}/"
SCALES, GRADES = "/api/v1/grading-scales/", "/api/v1/grades/"
AUDIT = "/api/v1/audit/engagements/{internal_engagement}/"
ONE = AUDIT + "findings/{finding}/"
DRAFT = AUDIT + "findings/{draft_finding}/"


def finding_body(w):
    return {"grade": w.ids["grade"], "text": "Pas de revue de direction",
            "requirements": [w.ids["nine_two_two"]]}


def action_body(w):
    return {"finding": w.ids["finding"], "description": "Former les encadrants",
            "owner": "qualite", "due_date": "2027-01-31"}


ENDPOINTS = [
    Endpoint("finding-list", "GET", FINDINGS),
    Endpoint("finding-detail", "GET", FINDINGS + "{finding}/"),
    Endpoint("finding-answer", "POST", FINDINGS + "{finding}/answer/",
             data=lambda w: {"correction": "Audit programmé", "root_cause": "Oubli"}),
    Endpoint("finding-submit", "POST", FINDINGS + "{finding}/submit/"),
    Endpoint("finding-log", "GET", FINDINGS + "log/{org}/"),
    Endpoint("finding-log-export", "GET", FINDINGS + "log/{org}/export/csv/"),
    Endpoint("correctiveaction-list", "GET", ACTIONS, listing=CorrectiveAction),
    Endpoint("correctiveaction-detail", "GET", ACTIONS + "{corrective_action}/"),
    Endpoint("correctiveaction-list", "POST", ACTIONS, data=action_body),
    Endpoint("correctiveaction-detail", "PATCH", ACTIONS + "{corrective_action}/",
             data=lambda w: {"done_on": "2026-12-01"}),
    Endpoint("correctiveaction-detail", "PUT", ACTIONS + "{corrective_action}/",
             data=action_body),
    Endpoint("correctiveaction-done", "POST", ACTIONS + "{corrective_action}/done/",
             data=lambda w: {"done_on": "2026-12-02"}),
    Endpoint("gradingscale-list", "GET", SCALES, listing=GradingScale),
    Endpoint("gradingscale-detail", "GET", SCALES + "{grading_scale}/"),
    Endpoint("gradingscale-list", "POST", SCALES,
             data=lambda w: {"organization": w.org.pk, "certification_body": "Bureau Veritas"}),
    Endpoint("grade-list", "GET", GRADES, listing=Grade),
    Endpoint("grade-detail", "GET", GRADES + "{grade}/"),
    Endpoint("grade-list", "POST", GRADES,
             data=lambda w: {"scale": w.ids["grading_scale"], "code": "remark",
                             "label_fr": "Remarque", "label_en": "Remark"}),
    Endpoint("grade-detail", "PATCH", GRADES + "{grade}/", data=lambda w: {"plan_days": 30}),
    Endpoint("grade-detail", "PUT", GRADES + "{grade}/",
             data=lambda w: {"code": "major_nc", "label_fr": "NC majeure",
                             "label_en": "Major NC", "severity": "major", "plan_days": 60}),
    # the auditor's routes, on an internal audit
    Endpoint("audit-findings", "GET", AUDIT + "findings/"),
    Endpoint("audit-findings", "POST", AUDIT + "findings/", data=finding_body),
    Endpoint("audit-findings", "POST", AUDIT + "findings/", "without requirement",
             data=lambda w: {**finding_body(w), "requirements": []}),
    Endpoint("audit-grading-scale", "GET", AUDIT + "grading-scale/"),
    Endpoint("audit-finding", "GET", DRAFT),
    Endpoint("audit-finding", "PATCH", DRAFT, data=lambda w: {"text": "Revu"}),
    Endpoint("audit-finding", "PATCH", ONE, "published", data=lambda w: {"text": "Revu"}),
    Endpoint("audit-finding-publish", "POST", DRAFT + "publish/"),
    Endpoint("audit-finding-correct", "POST", ONE + "versions/", data=lambda w: {"text": "Revu"}),
    Endpoint("audit-finding-review", "POST", ONE + "review/",
             data=lambda w: {"decision": "accept"}),
    Endpoint("audit-finding-close", "POST", ONE + "close/", data=lambda w: {}),
    # the pages, in the structure's settings (forms posted as browsers post them)
    Endpoint("structure-settings-findings", "GET",
             SETTINGS + "audits/{internal_engagement}/findings/"),
    Endpoint("structure-settings-findings", "POST",
             SETTINGS + "audits/{internal_engagement}/findings/", multipart=True,
             data=lambda w: {**finding_body(w), "form": "draft"}),
    Endpoint("structure-settings-finding", "GET", FINDING_PAGE),
    Endpoint("structure-settings-finding", "GET", DRAFT_PAGE, "draft"),
    *(Endpoint("structure-settings-finding", "POST", FINDING_PAGE, form, multipart=True,
               data=body) for form, body in (
        ("answer", lambda w: {"form": "answer", "correction": "Audit programmé",
                              "root_cause": "Oubli"}),
        ("action", lambda w: {**action_body(w), "form": "action"}),
        ("done", lambda w: {"form": "done", "action": w.ids["corrective_action"]}),
        ("submit", lambda w: {"form": "submit"}),
        ("correct", lambda w: {"form": "correct", "text": "Revu"}))),
    Endpoint("structure-settings-finding", "POST", DRAFT_PAGE, "publish", multipart=True,
             data=lambda w: {"form": "publish"}),
    Endpoint("structure-settings-improvement", "GET", SETTINGS + "improvement/"),
    Endpoint("structure-settings-improvement-export", "GET",
             SETTINGS + "improvement/export/csv/"),
    Endpoint("structure-settings-grading-scales", "GET", SETTINGS + "grading-scales/"),
    Endpoint("structure-settings-grading-scales", "POST", SETTINGS + "grading-scales/",
             multipart=True,
             data=lambda w: {"form": "scale", "certification_body": "Bureau Veritas"}),
    Endpoint("structure-settings-grade", "POST", SETTINGS + "grading-scales/grades/{grade}/",
             multipart=True, data=lambda w: {"code": "major_nc", "label_fr": "NC majeure",
                                             "label_en": "Major NC", "severity": "major",
                                             "plan_days": "60"}),
    Endpoint("structure-settings-grade", "GET", SETTINGS + "grading-scales/grades/{grade}/"),
]

# fmt: off
MATRIX = {
    # endpoint                          anonymous viewer contributor quality_manager outsider
    "finding-list GET":                     (401,  200,   200,        200,            200),
    "finding-detail GET":                   (401,  200,   200,        200,            404),
    "finding-answer POST":                  (401,  403,   403,        200,            404),
    "finding-submit POST":                  (401,  403,   403,        200,            404),
    "finding-log GET":                      (401,  200,   200,        200,            404),
    "finding-log-export GET":               (401,  200,   200,        200,            404),
    "correctiveaction-list GET":            (401,  200,   200,        200,            200),
    "correctiveaction-detail GET":          (401,  200,   200,        200,            404),
    "correctiveaction-list POST":           (401,  403,   403,        201,            400),
    "correctiveaction-detail PATCH":        (401,  403,   403,        200,            404),
    "correctiveaction-detail PUT":          (401,  403,   403,        200,            404),
    # its owner (here the quality manager) or a quality manager records an action done
    "correctiveaction-done POST":           (401,  403,   403,        200,            404),
    "gradingscale-list GET":                (401,  200,   200,        200,            200),
    "gradingscale-detail GET":              (401,  200,   200,        200,            404),
    "gradingscale-list POST":               (401,  403,   403,        201,            400),
    "grade-list GET":                       (401,  200,   200,        200,            200),
    "grade-detail GET":                     (401,  200,   200,        200,            404),
    "grade-list POST":                      (401,  403,   403,        201,            400),
    "grade-detail PATCH":                   (401,  403,   403,        200,            404),
    "grade-detail PUT":                     (401,  403,   403,        200,            404),
    "audit-findings GET":                   (401,  403,   403,        200,            404),
    "audit-findings POST":                  (401,  403,   403,        201,            404),
    "audit-findings POST without requirement": (401, 403, 403,        400,            404),
    "audit-grading-scale GET":              (401,  403,   403,        200,            404),
    "audit-finding GET":                    (401,  403,   403,        200,            404),
    "audit-finding PATCH":                  (401,  403,   403,        200,            404),
    "audit-finding PATCH published":        (401,  403,   403,        409,            404),
    "audit-finding-publish POST":           (401,  403,   403,        200,            404),
    "audit-finding-correct POST":           (401,  403,   403,        201,            404),
    "audit-finding-review POST":            (401,  403,   403,        409,            404),
    "audit-finding-close POST":             (401,  403,   403,        409,            404),
    # pages: anonymous visitors sign in first, another structure's findings are 404, a draft
    # is its auditor's own (404 to the other members)
    "structure-settings-findings GET":      (302,  200,   200,        200,            404),
    "structure-settings-findings POST":     (302,  403,   403,        302,            404),
    "structure-settings-finding GET":       (302,  200,   200,        200,            404),
    "structure-settings-finding GET draft": (302,  404,   404,        200,            404),
    "structure-settings-finding POST answer": (302, 403,  403,        302,            404),
    "structure-settings-finding POST action": (302, 403,  403,        302,            404),
    "structure-settings-finding POST done": (302,  403,   403,        302,            404),
    "structure-settings-finding POST submit": (302, 403,  403,        302,            404),
    "structure-settings-finding POST correct": (302, 403, 403,        302,            404),
    "structure-settings-finding POST publish": (302, 404, 404,        302,            404),
    "structure-settings-improvement GET":   (302,  200,   200,        200,            404),
    "structure-settings-improvement-export GET": (302, 200, 200,      200,            404),
    "structure-settings-grading-scales GET": (302, 200,   200,        200,            404),
    "structure-settings-grading-scales POST": (302, 403,  403,        302,            404),
    "structure-settings-grade POST":        (302,  403,   403,        302,            404),
    "structure-settings-grade GET":         (302,  405,   405,        405,            405),
}
# fmt: on
ERRORS = {"audit-finding PATCH published": {409: "finding_published"},
          "audit-finding-review POST": {409: "not_answered"},
          "audit-finding-close POST": {409: "plan_not_accepted"}}


def _events(*actions):
    events = list(AuditEvent.objects.order_by("-id")[:len(actions)])
    assert [event.action for event in reversed(events)] == list(actions)


def _finding(w) -> Finding:
    return Finding.objects.get(pk=w.ids["finding"])


def _answered(w, response, user):
    assert (_finding(w).correction, response.json()["root_cause"]) == ("Audit programmé",
                                                                       "Oubli")
    _events("finding.answer")


def _action_created(w, response, user):
    action = CorrectiveAction.objects.get(pk=response.json()["id"])
    assert (action.finding_id, action.owner.username) == (w.ids["finding"], "qualite")
    _events("corrective_action.create")


def _action_is(**fields):
    def check(w, response, user):
        action = CorrectiveAction.objects.get(pk=w.ids["corrective_action"])
        assert {name: str(getattr(action, name)) for name in fields} == fields
        _events("corrective_action.update")
    return check


def _scale_created(w, response, user):
    scale = GradingScale.objects.get(pk=response.json()["id"])
    assert (scale.certification_body, scale.grades.count()) == ("Bureau Veritas", 7)
    _events("grading_scale.create")


def _grade(event, **fields):
    def check(w, response, user):
        grade = Grade.objects.get(pk=response.json()["id"])
        assert {name: getattr(grade, name) for name in fields} == fields
        _events(event)
    return check


def _drafted(w, response, user):
    finding = Finding.objects.get(pk=response.json()["id"])
    assert (finding.status, finding.number, finding.versions.get().text) == (
        "draft", 3, "Pas de revue de direction")
    _events("finding.draft")


def _draft_is(text):
    def check(w, response, user):
        assert FindingVersion.objects.get(finding_id=w.ids["draft_finding"]).text == text
        _events("finding.draft_update")
    return check


def _published(w, response, user):
    version = FindingVersion.objects.get(finding_id=w.ids["draft_finding"])
    assert version.sha256 and response.json()["status"] == "open"
    _events("finding.publish")


def _corrected(w, response, user):
    assert [(v.number, v.text, bool(v.sha256)) for v in _finding(w).versions.all()] == [
        (1, "Aucun audit interne des achats.", True), (2, "Revu", False)]
    _events("finding.correct")


def _exported(w, response, user):
    text = response.content.decode("utf-8-sig")
    assert "Aucun audit interne des achats." in text and "Brouillon" not in text
    assert "Programmer l'audit des achats" in text
    _events("findings.log_export")


def _submitted(w, response, user):
    assert _finding(w).status == "answered" and _finding(w).answered_at
    _events("finding.submit")


def _page_published(w, response, user):
    assert FindingVersion.objects.get(finding_id=w.ids["draft_finding"]).sha256
    assert response["Location"] == (
        f"/structures/{w.org.pk}/settings/findings/{w.ids['draft_finding']}/")
    _events("finding.publish")


def _page_answered(w, response, user):
    assert (_finding(w).correction, _finding(w).root_cause) == ("Audit programmé", "Oubli")
    _events("finding.answer")


def _page_action_created(w, response, user):
    assert _finding(w).actions.filter(description="Former les encadrants").exists()
    _events("corrective_action.create")


def _page_drafted(w, response, user):
    finding = Finding.objects.get(engagement_id=w.ids["internal_engagement"], number=3)
    assert response["Location"] == f"/structures/{w.org.pk}/settings/findings/{finding.pk}/"
    _events("finding.draft")


def _page_scale(w, response, user):
    assert GradingScale.objects.get(organization=w.org, certification_body="Bureau Veritas")
    _events("grading_scale.create")


def _page_grade(w, response, user):
    grade = Grade.objects.get(pk=w.ids["grade"])
    assert (grade.label_fr, grade.plan_days, grade.improvement) == ("NC majeure", 60, False)
    _events("grade.update")


EFFECTS = {
    "finding-answer POST": _answered,
    "finding-log-export GET": _exported,
    "correctiveaction-list POST": _action_created,
    "correctiveaction-detail PATCH": _action_is(done_on="2026-12-01"),
    "correctiveaction-detail PUT": _action_is(description="Former les encadrants",
                                              due_date="2027-01-31"),
    "correctiveaction-done POST": _action_is(done_on="2026-12-02"),
    "gradingscale-list POST": _scale_created,
    "grade-list POST": _grade("grade.create", code="remark", position=8),
    "grade-detail PATCH": _grade("grade.update", plan_days=30),
    "grade-detail PUT": _grade("grade.update", label_fr="NC majeure", plan_days=60),
    "audit-findings POST": _drafted,
    "audit-finding PATCH": _draft_is("Revu"),
    "audit-finding-publish POST": _published,
    "audit-finding-correct POST": _corrected,
    "structure-settings-findings POST": _page_drafted,
    "structure-settings-finding POST answer": _page_answered,
    "structure-settings-finding POST action": _page_action_created,
    "structure-settings-finding POST done": _action_is(done_on="2026-12-05"),
    "structure-settings-finding POST correct": _corrected,
    "structure-settings-finding POST publish": _page_published,
    "structure-settings-finding POST submit": _submitted,
    "finding-submit POST": _submitted,
    "structure-settings-improvement-export GET": _exported,
    "structure-settings-grading-scales POST": _page_scale,
    "structure-settings-grade POST": _page_grade,
}


def _published_only(endpoint, w, subject, response):
    body = response.json()
    listed = {item["id"] for item in body["results"]}
    if subject == "outsider":
        assert w.ids["finding"] not in listed and w.other_ids["finding"] in listed
    else:
        assert listed == {w.ids["finding"]}  # drafts are the auditor's own


def _log(endpoint, w, subject, response):
    assert [item["id"] for item in response.json()] == [w.ids["finding"]]


def _auditor_list(endpoint, w, subject, response):
    assert {item["id"] for item in response.json()} == {w.ids["finding"],
                                                        w.ids["draft_finding"]}


def _scale(endpoint, w, subject, response):
    assert response.json()["id"] == w.ids["grading_scale"]


def _page_shows(*texts):
    def check(endpoint, w, subject, response):
        page = response.content.decode()
        assert response["Content-Type"].startswith("text/html") and w.org.name in page
        assert all(text in page for text in texts), texts
    return check


READS = {"structure-settings-findings": _page_shows("#1", "Non-conformité majeure"),
         "structure-settings-finding": _page_shows("Constat n° "),
         "structure-settings-improvement": _page_shows("Aucun audit interne des achats."),
         "structure-settings-grading-scales": _page_shows("Grille par défaut"),
         "finding-list": _published_only, "finding-log": _log,
         "audit-findings": _auditor_list, "audit-grading-scale": _scale,
         "audit-finding": lambda e, w, s, r: r.json()["id"] == w.ids["draft_finding"]}

QM = "quality_manager"
# fmt: off
CROSS_CASES = {
    "action on other_org's finding":
        (QM, cross_request(ACTIONS, action_body, finding=other("finding")), 400, "finding",
         "does_not_exist"),
    "scale in other_org":
        (QM, cross_request(SCALES, lambda w: {"organization": w.org.pk,
                                              "certification_body": "SGS"},
                           organization=other_org), 400, "organization",
         "does_not_exist"),
}
# fmt: on


class TestFindings(MatrixSuite, CrossStructureSuite):
    area = Area(
        endpoints=ENDPOINTS, matrix=MATRIX, effects=EFFECTS, reads=READS,
        error_codes=ERRORS, audited_reads=frozenset({"finding-log-export",
                                 "structure-settings-improvement-export"}),
        options_paths=(FINDINGS + "{finding}/", ACTIONS + "{corrective_action}/",
                       GRADES + "{grade}/"),
        cross_cases=CROSS_CASES,
    )
