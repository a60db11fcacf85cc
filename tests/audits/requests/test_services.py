"""Evidence requests through their services: who may ask, answer, submit and review; what the
auditor sees (nothing of an answer before a quality manager submits it); the two threads (the
internal one does not exist for the auditor); every change in the audit trail."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError

from audit_prep.api.errors import Conflict, InvalidState
from audit_prep.models import AuditEvent
from audits.requests import services, threads
from audits.requests.models import (
    AuditorStatus,
    EvidenceRequest,
    RequestMessage,
    RequestOrigin,
    RequestStatus,
    Thread,
)
from tests.checklists.conftest import make_referential
from tests.factories import EvidenceFactory

from .conftest import requirement

DUE = datetime.date(2027, 1, 15)


def events(*actions):
    return list(AuditEvent.objects.filter(action__in=actions).order_by("id"))


def test_a_quality_manager_asks_and_assigns_a_request(asked, qm, contributor, engagement):
    assert (asked.status, asked.auditor_status, asked.origin) == (
        RequestStatus.OPEN, AuditorStatus.REQUESTED, RequestOrigin.STRUCTURE)
    assert asked.assignee == contributor and asked.created_by == qm
    [event] = events("evidence_request.create")
    assert event.actor_id == qm.pk and event.organization_id == engagement.organization_id
    assert event.after["engagement"] == engagement.pk
    assert event.after["asked"] == "Registre des formations 2026"


def test_the_auditor_asks_but_the_structure_assigns(auditor, engagement, referential):
    created = services.create_request(auditor, engagement, {
        "requirements": [requirement(referential, "9.2.2")], "asked": "Rapport d'audit interne",
        "due_date": DUE, "assignee": None})
    assert created.origin == RequestOrigin.AUDITOR and created.assignee is None
    assert events("evidence_request.create")[0].actor_id == auditor.pk


@pytest.mark.parametrize("who", ["contributor", "viewer"])
def test_other_members_may_not_ask(request, who, engagement, referential):
    with pytest.raises(PermissionDenied):
        services.create_request(request.getfixturevalue(who), engagement, {
            "requirements": [requirement(referential, "7.2")], "asked": "x", "due_date": DUE})


def test_an_outsider_does_not_see_the_engagement(outsider, engagement, referential):
    with pytest.raises(NotFound):
        services.create_request(outsider, engagement, {
            "requirements": [requirement(referential, "7.2")], "asked": "x", "due_date": DUE})


def test_a_request_names_requirements_of_the_engagement_only(qm, engagement, viewer):
    _other, clauses = make_referential(code="iso14001")
    with pytest.raises(ValidationError) as refused:
        services.create_request(qm, engagement, {"requirements": [clauses["4.3"]],
                                                 "asked": "x", "due_date": DUE})
    assert refused.value.get_codes() == {"requirements": ["requirement_not_in_engagement"]}
    with pytest.raises(ValidationError) as refused:
        services.create_request(qm, engagement, {"requirements": [], "asked": "x",
                                                 "due_date": DUE})
    assert refused.value.get_codes() == {"requirements": ["requirements_required"]}
    assert not EvidenceRequest.objects.exists()


def test_the_assignee_is_a_member_who_may_answer(qm, engagement, referential, viewer, outsider):
    for user in (viewer, outsider):
        with pytest.raises(ValidationError) as refused:
            services.create_request(qm, engagement, {
                "requirements": [requirement(referential, "7.2")], "asked": "x",
                "due_date": DUE, "assignee": user})
        assert refused.value.get_codes() == {"assignee": ["assignee_not_member"]}


def test_the_database_keeps_statuses_coherent(asked):
    with pytest.raises(IntegrityError), transaction.atomic():
        EvidenceRequest.objects.filter(pk=asked.pk).update(auditor_status=AuditorStatus.ACCEPTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        EvidenceRequest.objects.filter(pk=asked.pk).update(status=RequestStatus.SUBMITTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        RequestMessage.objects.create(request=asked, thread="private", author=asked.created_by,
                                      body="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        RequestMessage.objects.create(request=asked, thread=Thread.INTERNAL,
                                      author=asked.created_by, body="x" * 2001)


def test_answer_submit_and_review(asked, qm, contributor, auditor, org):
    evidence = EvidenceFactory(organization=org, created_by=qm, title="Registre 2026")
    answer = services.add_answer(contributor, asked, evidence)
    asked.refresh_from_db()
    assert asked.status == RequestStatus.IN_PROGRESS
    assert asked.auditor_status == AuditorStatus.REQUESTED  # nothing shown yet
    assert answer.submitted_at is None
    with pytest.raises(Conflict) as twice:
        services.add_answer(contributor, asked, evidence)
    assert twice.value.code == "already_answered"
    services.mark_answered(contributor, asked)
    with pytest.raises(PermissionDenied):
        services.submit(contributor, asked)
    submitted = services.submit(qm, asked)
    assert (submitted.status, submitted.auditor_status) == (RequestStatus.SUBMITTED,
                                                            AuditorStatus.SUBMITTED)
    answer.refresh_from_db()
    assert answer.submitted_at is not None
    with pytest.raises(InvalidState) as withdrawn:
        services.remove_answer(contributor, answer)
    assert withdrawn.value.code == "answer_submitted"
    with pytest.raises(PermissionDenied):
        services.review(qm, asked, accepted=True)  # the structure does not accept itself
    more = services.review(auditor, asked, accepted=False)
    assert (more.status, more.auditor_status) == (RequestStatus.IN_PROGRESS,
                                                  AuditorStatus.MORE_NEEDED)
    services.add_answer(contributor, asked, EvidenceFactory(organization=org, created_by=qm))
    services.submit(qm, asked)
    done = services.review(auditor, asked, accepted=True)
    assert (done.status, done.auditor_status) == (RequestStatus.CLOSED, AuditorStatus.ACCEPTED)
    trail = events("evidence_request.answer_add", "evidence_request.answered",
                   "evidence_request.submit", "evidence_request.review")
    assert [event.action.split(".")[1] for event in trail] == [
        "answer_add", "answered", "submit", "review", "answer_add", "submit", "review"]
    assert {event.after["engagement"] for event in trail} == {asked.engagement_id}
    assert trail[2].after["evidence"] == [evidence.pk]


def test_nothing_to_submit_is_refused(asked, qm):
    with pytest.raises(InvalidState) as refused:
        services.submit(qm, asked)
    assert refused.value.code == "nothing_to_submit"


def test_evidence_of_another_structure_cannot_answer(asked, contributor, outsider, other_org):
    theirs = EvidenceFactory(organization=other_org, created_by=outsider)
    with pytest.raises(NotFound):
        services.add_answer(contributor, asked, theirs)


def test_a_viewer_may_not_answer(asked, viewer, org, qm):
    with pytest.raises(PermissionDenied):
        services.add_answer(viewer, asked, EvidenceFactory(organization=org, created_by=qm))


def test_the_internal_thread_does_not_exist_for_the_auditor(asked, auditor, contributor, qm):
    threads.post_message(contributor, asked, Thread.INTERNAL, "  Je m'en occupe.  ")
    with pytest.raises(NotFound):
        threads.thread_messages(auditor, asked, Thread.INTERNAL)
    with pytest.raises(NotFound):
        threads.post_message(auditor, asked, Thread.INTERNAL, "Je regarde aussi")
    [message] = threads.thread_messages(qm, asked, Thread.INTERNAL)
    assert message.body == "Je m'en occupe." and message.author == contributor


def test_the_auditor_thread_is_written_by_the_auditor_and_quality_managers(
        asked, auditor, contributor, qm, viewer):
    threads.post_message(auditor, asked, Thread.AUDITOR, "Le registre de 2025 aussi, svp.")
    threads.post_message(qm, asked, Thread.AUDITOR, "Entendu.")
    with pytest.raises(PermissionDenied):
        threads.post_message(contributor, asked, Thread.AUDITOR, "Bonjour")
    assert [m.body for m in threads.thread_messages(viewer, asked, Thread.AUDITOR)] == [
        "Le registre de 2025 aussi, svp.", "Entendu."]
    assert [m.body for m in threads.thread_messages(auditor, asked, Thread.AUDITOR)] == [
        "Le registre de 2025 aussi, svp.", "Entendu."]
    [event, _] = events("evidence_request.message")
    assert event.after == {"engagement": asked.engagement_id, "thread": "auditor",
                           "message": event.after["message"], "length": 31}


@pytest.mark.parametrize(("body", "code"), [("   ", "message_empty"),
                                            ("x" * 2001, "message_too_long"),
                                            ("a\u202eb", "control_characters")])
def test_messages_are_plain_capped_text(asked, qm, body, code):
    with pytest.raises(ValidationError) as refused:
        threads.post_message(qm, asked, Thread.INTERNAL, body)
    assert code in str(refused.value.get_codes())
    assert not RequestMessage.objects.exists()


def test_a_closed_request_is_not_changed(asked, qm, contributor, auditor, org):
    services.add_answer(contributor, asked, EvidenceFactory(organization=org, created_by=qm))
    services.submit(qm, asked)
    services.review(auditor, asked, accepted=True)
    with pytest.raises(InvalidState) as refused:
        services.update_request(qm, asked, {"asked": "autre chose"})
    assert refused.value.code == "request_closed"
    with pytest.raises(InvalidState):
        services.add_answer(contributor, asked, EvidenceFactory(organization=org, created_by=qm))


def test_an_answer_is_linked_to_the_requests_requirements(asked, contributor, qm, org):
    from checklists.models import EvidenceLink

    evidence = EvidenceFactory(organization=org, created_by=qm)
    services.add_answer(contributor, asked, evidence)
    assert list(EvidenceLink.objects.filter(evidence=evidence).values_list(
        "requirement__ref_id", "note")) == [("7.2", asked.reference)]
