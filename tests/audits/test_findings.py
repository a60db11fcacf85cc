"""Findings on the auditor's side (decision 0026): a grade and a requirement are required, a
published finding is locked and hashed (corrections are new versions), the deadlines follow the
grade and the audit's last day, and the auditor reviews and closes."""

import datetime
import hashlib
import json

import pytest
from django.db import DatabaseError, transaction

from audits.models import Finding, FindingVersion, GradingScale
from tests.factories import UserFactory

from .findings_world import (
    draft,
    findings_url,
    grade,
    published,
    requirement,
    verified,
)

pytestmark = pytest.mark.usefixtures("today")


def error(response):
    return response.json()["error"]


def field_codes(response, field):
    return [item["code"] for item in error(response)["fields"][field]]


def test_a_finding_without_requirement_or_grade_is_refused_with_stable_codes(
        auditor_api, stage_2, org, iso):
    no_requirement = draft(auditor_api, stage_2, org, iso, requirements=[])
    no_grade = draft(auditor_api, stage_2, org, iso, grade=None)
    assert (no_requirement.status_code, no_grade.status_code) == (400, 400)
    assert field_codes(no_requirement, "requirements") == ["requirement_required"]
    assert field_codes(no_grade, "grade") == ["grade_required"]
    assert not Finding.objects.exists()


def test_a_requirement_of_another_referential_is_refused(auditor_api, stage_2, org, iso):
    from tests.checklists.conftest import make_referential
    other, _rows = make_referential(code="cedre", version="1")
    response = draft(auditor_api, stage_2, org, iso,
                     requirements=[other.requirements.filter(assessable=True).first().pk])
    assert field_codes(response, "requirements") == ["requirement_not_audited"]


def test_publishing_hashes_the_canonical_text_and_locks_it(auditor_api, stage_2, org, iso):
    finding = published(auditor_api, stage_2, org, iso)
    version = FindingVersion.objects.get(finding_id=finding["id"])
    assert finding["versions"][0]["sha256"] == version.sha256 == hashlib.sha256(
        version.canonical.encode()).hexdigest()
    facts = json.loads(version.canonical)
    assert (facts["text"], facts["grade"]["code"], facts["requirements"]) == (
        "Aucun audit interne du processus achats.", "major_nc", [requirement(iso, "9.2.2").urn])
    # the API refuses to change it; the database refuses too
    response = auditor_api.patch(findings_url(stage_2, f"{finding['id']}/"),
                                 {"text": "Autre"}, format="json")
    assert (response.status_code, error(response)["code"]) == (409, "finding_published")
    with pytest.raises(DatabaseError), transaction.atomic():
        FindingVersion.objects.filter(pk=version.pk).update(text="Autre")
    with pytest.raises(DatabaseError), transaction.atomic():
        version.requirements.add(requirement(iso, "4.3"))
    version.refresh_from_db()
    assert version.text == "Aucun audit interne du processus achats."


def test_a_correction_is_a_new_version_and_the_old_one_stays_readable(
        auditor_api, stage_2, org, iso, client_for, qm):
    finding = published(auditor_api, stage_2, org, iso)
    url = findings_url(stage_2, f"{finding['id']}/")
    corrected = auditor_api.post(url + "versions/", {"grade": grade(org, "minor_nc").pk},
                                 format="json")
    assert corrected.status_code == 201
    # the structure still sees only the published version until the correction is published
    members = client_for(qm).get(f"/api/v1/findings/{finding['id']}/").json()
    assert [v["number"] for v in members["versions"]] == [1]
    again = auditor_api.post(url + "versions/", {}, format="json")
    assert error(again)["code"] == "correction_pending"
    done = auditor_api.post(url + "publish/").json()
    assert [(v["number"], v["grade"]["code"]) for v in done["versions"]] == [
        (1, "major_nc"), (2, "minor_nc")]
    assert done["versions"][0]["sha256"] != done["versions"][1]["sha256"]
    # a minor nonconformity: a plan in 90 days, verified at the next audit
    assert (done["plan_due"], done["verification_due"]) == ("2027-05-12", None)


def test_deadlines_of_a_major_nonconformity_follow_the_last_day(auditor_api, stage_2, org,
                                                                iso):
    finding = published(auditor_api, stage_2, org, iso)
    # 90 days for the plan, verified within 6 months of the audit's last day (11 Feb 2027)
    assert (finding["plan_due"], finding["verification_due"]) == ("2027-05-12", "2027-08-11")
    assert finding["status"] == "open"


def test_the_scale_of_the_certification_body_is_used_once_configured(
        auditor_api, stage_2, org, iso, client_for, qm):
    response = client_for(qm).post("/api/v1/grading-scales/", {
        "organization": org.pk, "certification_body": "AFNOR Certification"}, format="json")
    assert response.status_code == 201
    scale = GradingScale.objects.get(pk=response.json()["id"])
    major = scale.grades.get(code="major_nc")
    client_for(qm).patch(f"/api/v1/grades/{major.pk}/", {"plan_days": 30}, format="json")
    shown = auditor_api.get(f"/api/v1/audit/engagements/{stage_2.pk}/grading-scale/").json()
    assert shown["id"] == scale.pk and len(shown["grades"]) == 7
    # the default scale's grade is not in this audit's scale any more
    assert field_codes(draft(auditor_api, stage_2, org, iso), "grade") == [
        "grade_not_in_scale"]
    finding = draft(auditor_api, stage_2, org, iso, grade=major.pk).json()
    done = auditor_api.post(findings_url(stage_2, f"{finding['id']}/publish/")).json()
    assert done["plan_due"] == "2027-03-13"


def test_drafts_are_the_auditors_own(auditor_api, stage_2, org, iso, client_for, qm,
                                     outsider):
    finding = draft(auditor_api, stage_2, org, iso).json()
    assert client_for(qm).get(f"/api/v1/findings/{finding['id']}/").status_code == 404
    assert client_for(qm).get(findings_url(stage_2)).status_code == 403
    assert client_for(outsider).get(findings_url(stage_2)).status_code == 404
    stranger = verified(UserFactory(username="inconnu"))
    assert client_for(stranger).get(findings_url(stage_2)).status_code == 404


def test_the_auditor_reviews_the_answer_then_closes(auditor_api, stage_2, org, iso,
                                                    client_for, qm):
    finding = published(auditor_api, stage_2, org, iso)
    url = findings_url(stage_2, f"{finding['id']}/")
    members = client_for(qm)
    early = auditor_api.post(url + "close/", {}, format="json")
    assert (early.status_code, error(early)["code"]) == (409, "plan_not_accepted")
    incomplete = members.post(f"/api/v1/findings/{finding['id']}/submit/")
    assert incomplete.status_code == 400
    assert {name: [item["code"] for item in items]
            for name, items in error(incomplete)["fields"].items()} == {
        name: ["answer_incomplete"] for name in ("correction", "root_cause", "actions")}
    members.post(f"/api/v1/findings/{finding['id']}/answer/", {
        "correction": "Audit des achats programmé.", "root_cause": "Programme incomplet."},
        format="json")
    action = members.post("/api/v1/corrective-actions/", {
        "finding": finding["id"], "description": "Compléter le programme d'audit",
        "owner": qm.username, "due_date": "2027-04-30"}, format="json")
    assert action.status_code == 201, action.json()
    assert members.post(f"/api/v1/findings/{finding['id']}/submit/").json()["status"] == (
        "answered")
    no_comment = auditor_api.post(url + "review/", {"decision": "more"}, format="json")
    assert field_codes(no_comment, "comment") == ["comment_required"]
    more = auditor_api.post(url + "review/", {"decision": "more", "comment": "Et la cause ?"},
                            format="json").json()
    assert more["status"] == "more_requested"
    members.post(f"/api/v1/findings/{finding['id']}/submit/")
    assert auditor_api.post(url + "review/", {"decision": "accept"},
                            format="json").json()["status"] == "accepted"
    closed = auditor_api.post(url + "close/", {}, format="json").json()
    assert closed["status"] == "closed" and closed["closed_at"]
    locked = members.post(f"/api/v1/findings/{finding['id']}/answer/", {"correction": "x"},
                          format="json")
    assert error(locked)["code"] == "answer_locked"


def test_an_action_owner_must_be_a_member(auditor_api, stage_2, org, iso, client_for, qm):
    finding = published(auditor_api, stage_2, org, iso)
    response = client_for(qm).post("/api/v1/corrective-actions/", {
        "finding": finding["id"], "description": "Former", "owner": "auditrice",
        "due_date": "2027-04-30"}, format="json")
    assert field_codes(response, "owner") == ["owner_not_member"]


def test_an_internal_audit_is_recorded_by_the_quality_manager(client_for, qm, org, iso,
                                                              stage_2, member):
    stage_2.kind = "internal"
    stage_2.save()
    verified(qm)
    finding = published(client_for(qm), stage_2, org, iso, code="improvement")
    assert finding["status"] == "open" and finding["plan_due"] is None
    contributor = member("contributor")
    assert client_for(contributor).get(findings_url(stage_2)).status_code == 403
    # an improvement item closes without a plan
    closed = client_for(qm).post(findings_url(stage_2, f"{finding['id']}/close/"), {},
                                 format="json")
    assert closed.json()["status"] == "closed"


def test_published_findings_for_the_pack(auditor_api, stage_2, org, iso):
    from audits.findings import published_findings
    published(auditor_api, stage_2, org, iso)
    draft(auditor_api, stage_2, org, iso, code="improvement")
    listed = published_findings(stage_2)
    assert [(row["finding"], row["version"], row["grade"]) for row in listed] == [
        (1, 1, "major_nc")]
    assert hashlib.sha256(listed[0]["canonical"].encode()).hexdigest() == listed[0]["sha256"]


def test_a_date_in_the_finding_text_is_kept_as_written(auditor_api, stage_2, org, iso):
    finding = published(auditor_api, stage_2, org, iso, text="Revue du 3 mars : absente")
    assert finding["versions"][0]["text"] == "Revue du 3 mars : absente"
    assert datetime.date.fromisoformat(finding["versions"][0]["published_at"][:10]) == (
        datetime.date(2026, 12, 5))


def _queries(call) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def test_the_lists_of_findings_read_in_a_fixed_number_of_queries(auditor_api, stage_2, org,
                                                                 iso, client_for, qm):
    members = client_for(qm)
    urls = {"members": lambda: members.get(f"/api/v1/findings/?engagement={stage_2.pk}"),
            "auditor": lambda: auditor_api.get(findings_url(stage_2))}
    for _index in range(10):
        published(auditor_api, stage_2, org, iso)
    for call in urls.values():
        call()  # the first request of a person sets things up
    ten = {name: _queries(call) for name, call in urls.items()}
    for _index in range(15):
        published(auditor_api, stage_2, org, iso)
    assert {name: _queries(call) for name, call in urls.items()} == ten
    assert members.get(f"/api/v1/findings/?engagement={stage_2.pk}").json()["count"] == 25


def test_an_actions_owner_records_it_done_whatever_their_role(auditor_api, stage_2, org, iso,
                                                              client_for, qm, member):
    owner, other = member("contributor"), member("viewer")
    finding = published(auditor_api, stage_2, org, iso)
    action = client_for(qm).post("/api/v1/corrective-actions/", {
        "finding": finding["id"], "description": "Former", "owner": owner.username,
        "due_date": "2027-04-30"}, format="json").json()
    url = f"/api/v1/corrective-actions/{action['id']}/done/"
    assert client_for(other).post(url, {}, format="json").status_code == 403
    # the owner may not change the action otherwise
    assert client_for(owner).patch(f"/api/v1/corrective-actions/{action['id']}/",
                                   {"description": "Autre"}, format="json").status_code == 403
    done = client_for(owner).post(url, {}, format="json")
    assert (done.status_code, done.json()["done_on"]) == (200, "2026-12-05")


def test_conflicts_on_scales_and_audits_say_why(auditor_api, stage_2, org, iso, client_for,
                                                qm):
    members = client_for(qm)
    body = {"organization": org.pk, "certification_body": "SGS"}
    assert members.post("/api/v1/grading-scales/", body, format="json").status_code == 201
    again = members.post("/api/v1/grading-scales/", body, format="json")
    assert (again.status_code, error(again)["code"]) == (409, "grading_scale_exists")
    major = grade(org, "major_nc")
    taken = members.patch(f"/api/v1/grades/{major.pk}/", {"code": "minor_nc"}, format="json")
    assert (taken.status_code, error(taken)["code"]) == (409, "grade_code_exists")
    # an audit with findings stays on record, even before its first day
    draft(auditor_api, stage_2, org, iso)
    cancelled = members.delete(f"/api/v1/engagements/{stage_2.pk}/")
    assert (cancelled.status_code, error(cancelled)["code"]) == (409, "engagement_has_findings")
