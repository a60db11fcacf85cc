"""Evidence requests: asked by the engagement's auditor (`Action.AUDIT`) or its quality manager
(`Action.MANAGE_AUDITS`), answered by members who may change the vault (`Action.CHANGE`),
submitted to the auditor by a quality manager, then accepted or sent back by the auditor.

Every operation checks the engagement grant (`access.require_engagement`), writes its audit
event in the same transaction (`after={"engagement": ..., ...}`) and refuses with a stable code.
Nothing of an answer reaches the auditor before `submit`: an answer's `submitted_at` is set
there, and the auditor's views show only answers that have one."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError

from audit_prep import access, audit
from audit_prep.api.errors import Conflict, InvalidState
from audit_prep.models import Membership
from audit_prep.roles import Action, roles_allowing
from checklists.models import Requirement
from checklists.services import links
from checklists.services.tailoring import check_reference_date
from evidence.models import EvidenceItem, EvidenceStatus
from evidence.services import create_evidence

from ..models import Engagement
from .models import (
    AuditorStatus,
    EvidenceRequest,
    RequestAnswer,
    RequestOrigin,
    RequestStatus,
)

FIELDS = ("asked", "due_date", "assignee")
ANSWERABLE = (RequestStatus.OPEN, RequestStatus.IN_PROGRESS, RequestStatus.ANSWERED)


def engagement_requirements(engagement: Engagement):
    """The requirements a request of this engagement may name: those of its referentials that
    are the library's or the structure's own, not retired."""
    return Requirement.objects.filter(
        Q(organization__isnull=True) | Q(organization_id=engagement.organization_id),
        referential__in=engagement.referentials.all(), retired_at__isnull=True)


def check_requirements(engagement: Engagement, requirements) -> list[Requirement]:
    """The requirements, refused unless each is one of the engagement's (none is refused)."""
    requirements = list(requirements)
    if not requirements:
        raise ValidationError({"requirements": [_("Name at least one requirement.")]},
                              code="requirements_required")
    allowed = set(engagement_requirements(engagement).filter(
        pk__in=[requirement.pk for requirement in requirements]).values_list("pk", flat=True))
    if any(requirement.pk not in allowed for requirement in requirements):
        raise ValidationError({"requirements": [_(
            "This requirement is not one of this audit's referentials.")]},
            code="requirement_not_in_engagement")
    return requirements


def assignable(engagement: Engagement):
    """The members who may be given a request: those whose role may answer it."""
    return Membership.objects.filter(organization_id=engagement.organization_id,
                                     role__in=roles_allowing(Action.CHANGE))


def check_assignee(engagement: Engagement, user) -> None:
    if user is not None and not assignable(engagement).filter(user=user).exists():
        raise ValidationError({"assignee": [_(
            "Assign the request to a member of the structure who may add evidence.")]},
            code="assignee_not_member")


def check_due_date(value: datetime.date) -> datetime.date:
    try:
        return check_reference_date(value)
    except ValidationError as error:
        raise ValidationError({"due_date": [_("Choose a date between 2000 and 2100.")]},
                              code="date_out_of_range") from error


def facts(evidence_request: EvidenceRequest, requirement_ids=None) -> dict:
    """What the audit trail says of a request (its engagement first)."""
    if requirement_ids is None:
        requirement_ids = [r.pk for r in evidence_request.requirements.all()]
    return {"engagement": evidence_request.engagement_id, "asked": evidence_request.asked,
            "due_date": evidence_request.due_date, "assignee": evidence_request.assignee_id,
            "requirements": sorted(requirement_ids), "status": evidence_request.status,
            "auditor_status": evidence_request.auditor_status}


def asker_origin(actor, engagement: Engagement) -> str:
    """Who asks: the structure (a quality manager), else the engagement's auditor (on an
    internal audit a quality manager is both: the structure's side wins, it may assign)."""
    actions = access.engagement_actions(actor, engagement)
    if Action.MANAGE_AUDITS in actions:
        return RequestOrigin.STRUCTURE
    access.require_engagement(actor, Action.AUDIT, engagement)
    return RequestOrigin.AUDITOR


def create_request(actor, engagement: Engagement, data: dict) -> EvidenceRequest:
    """A new request (`data`: requirements, asked, due_date, assignee). An auditor cannot
    assign it: the structure does."""
    origin = asker_origin(actor, engagement)
    requirements = check_requirements(engagement, data["requirements"])
    assignee = data.get("assignee") if origin == RequestOrigin.STRUCTURE else None
    check_assignee(engagement, assignee)
    with transaction.atomic():
        created = EvidenceRequest.objects.create(
            engagement=engagement, asked=data["asked"], due_date=check_due_date(data["due_date"]),
            assignee=assignee, origin=origin, created_by=actor)
        created.requirements.set(requirements)
        audit.record(actor, "evidence_request.create", created,
                     after=facts(created, [r.pk for r in requirements]))
    return created


def update_request(actor, evidence_request: EvidenceRequest, data: dict) -> EvidenceRequest:
    """Change what is asked, the due date, the requirements or the assignee (quality
    managers; a closed request stays as it was)."""
    engagement = evidence_request.engagement
    access.require_engagement(actor, Action.MANAGE_AUDITS, engagement)
    with transaction.atomic():
        locked = EvidenceRequest.objects.select_for_update().get(pk=evidence_request.pk)
        if locked.status == RequestStatus.CLOSED:
            raise InvalidState(_("This request is closed."), code="request_closed")
        before = facts(locked)
        requirement_ids = before["requirements"]
        if "requirements" in data:
            requirement_ids = [r.pk for r in check_requirements(engagement, data["requirements"])]
            locked.requirements.set(requirement_ids)
        if "assignee" in data:
            check_assignee(engagement, data["assignee"])
        if "due_date" in data:
            check_due_date(data["due_date"])
        for name in FIELDS:
            if name in data:
                setattr(locked, name, data[name])
        locked.save()
        audit.record(actor, "evidence_request.update", locked, before=before,
                     after=facts(locked, requirement_ids))
    return locked


def _locked_answerable(evidence_request: EvidenceRequest) -> EvidenceRequest:
    locked = EvidenceRequest.objects.select_for_update().get(pk=evidence_request.pk)
    if locked.status not in ANSWERABLE:
        raise InvalidState(_("This request is submitted or closed: wait for the auditor's "
                             "review before answering again."), code="request_not_answerable")
    return locked


def add_answer(actor, evidence_request: EvidenceRequest, evidence: EvidenceItem
               ) -> RequestAnswer:
    """Give an evidence item of the structure (one the actor sees) as an answer. It is linked
    to the request's requirements it does not answer yet, so that once submitted the auditor
    reads it where they read the engagement's evidence (the workspace)."""
    engagement = evidence_request.engagement
    access.require_engagement(actor, Action.CHANGE, engagement)
    visible = access.scope(EvidenceItem.objects.filter(pk=evidence.pk), actor).first()
    if visible is None or visible.organization_id != engagement.organization_id:
        raise NotFound()
    if visible.status == EvidenceStatus.ARCHIVED:
        raise ValidationError({"evidence": [_("Archived evidence cannot answer a request.")]},
                              code="evidence_archived")
    try:
        with transaction.atomic():
            locked = _locked_answerable(evidence_request)
            answer = RequestAnswer.objects.create(request=locked, evidence=visible,
                                                  added_by=actor)
            links.link_many(actor, [visible], list(locked.requirements.all()),
                            note=locked.reference)
            before_status = locked.status
            if locked.status == RequestStatus.OPEN:
                locked.status = RequestStatus.IN_PROGRESS
                locked.save(update_fields=["status", "updated_at"])
            audit.record(actor, "evidence_request.answer_add", locked, after={
                "engagement": engagement.pk, "evidence": visible.pk,
                "status": locked.status, "status_before": before_status})
    except IntegrityError as exc:
        raise Conflict(_("This evidence already answers this request."),
                       code="already_answered") from exc
    return answer


def remove_answer(actor, answer: RequestAnswer) -> None:
    """Withdraw an answer not submitted yet (a submitted one stays: the auditor has it)."""
    evidence_request = answer.request
    access.require_engagement(actor, Action.CHANGE, evidence_request.engagement)
    with transaction.atomic():
        locked = RequestAnswer.objects.select_for_update().get(pk=answer.pk)
        if locked.submitted_at is not None:
            raise InvalidState(_("This answer was submitted to the auditor: it stays."),
                               code="answer_submitted")
        audit.record(actor, "evidence_request.answer_remove", evidence_request, before={
            "engagement": evidence_request.engagement_id, "evidence": locked.evidence_id},
            after={"engagement": evidence_request.engagement_id})
        locked.delete()


def answer_with_upload(actor, evidence_request: EvidenceRequest, data: dict, uploads,
                       note: str = "") -> RequestAnswer:
    """New evidence for this request: the item created with its files (the vault's upload
    service) and given as an answer (linked to the request's requirements), all or nothing."""
    engagement = evidence_request.engagement
    access.require_engagement(actor, Action.CHANGE, engagement)
    with transaction.atomic():
        _locked_answerable(evidence_request)
        evidence = create_evidence(actor, engagement.organization, data, uploads=uploads,
                                   note=note)
        return add_answer(actor, evidence_request, evidence)


def _transition(actor, evidence_request: EvidenceRequest, action: Action, allowed, change,
                event: str, refusal) -> EvidenceRequest:
    access.require_engagement(actor, action, evidence_request.engagement)
    with transaction.atomic():
        locked = EvidenceRequest.objects.select_for_update().get(pk=evidence_request.pk)
        if not allowed(locked):
            raise refusal
        before = {"status": locked.status, "auditor_status": locked.auditor_status}
        extra = change(locked) or {}
        locked.save()
        audit.record(actor, event, locked, before=before, after={
            "engagement": locked.engagement_id, "status": locked.status,
            "auditor_status": locked.auditor_status, **extra})
    return locked


def mark_answered(actor, evidence_request: EvidenceRequest) -> EvidenceRequest:
    """The answer is complete: a quality manager can submit it."""
    def allowed(locked):
        return locked.status in (RequestStatus.OPEN, RequestStatus.IN_PROGRESS) and \
            locked.answers.filter(submitted_at__isnull=True).exists()

    def change(locked):
        locked.status = RequestStatus.ANSWERED

    return _transition(actor, evidence_request, Action.CHANGE, allowed, change,
                       "evidence_request.answered", InvalidState(
                           _("Give at least one new answer before marking it answered."),
                           code="nothing_answered"))


def submit(actor, evidence_request: EvidenceRequest) -> EvidenceRequest:
    """Show the answers not submitted yet to the auditor (quality managers only)."""
    def allowed(locked):
        return locked.status in ANSWERABLE and \
            locked.answers.filter(submitted_at__isnull=True).exists()

    def change(locked):
        now = timezone.now()
        evidence = list(locked.answers.filter(submitted_at__isnull=True)
                        .values_list("evidence_id", flat=True))
        locked.answers.filter(submitted_at__isnull=True).update(submitted_at=now)
        locked.status, locked.auditor_status = RequestStatus.SUBMITTED, AuditorStatus.SUBMITTED
        locked.submitted_at, locked.submitted_by = now, actor
        return {"evidence": sorted(evidence)}

    return _transition(actor, evidence_request, Action.MANAGE_AUDITS, allowed, change,
                       "evidence_request.submit", InvalidState(
                           _("There is no new answer to submit."), code="nothing_to_submit"))


def review(actor, evidence_request: EvidenceRequest, accepted: bool) -> EvidenceRequest:
    """The auditor accepts the submitted answers (the request closes) or asks for more (the
    structure answers again)."""
    def allowed(locked):
        return locked.status == RequestStatus.SUBMITTED

    def change(locked):
        if accepted:
            locked.status, locked.auditor_status = RequestStatus.CLOSED, AuditorStatus.ACCEPTED
        else:
            locked.status = RequestStatus.IN_PROGRESS
            locked.auditor_status = AuditorStatus.MORE_NEEDED

    return _transition(actor, evidence_request, Action.AUDIT, allowed, change,
                       "evidence_request.review", InvalidState(
                           _("Only submitted answers can be reviewed."),
                           code="request_not_submitted"))
