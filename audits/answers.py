"""The structure's side of findings (decision 0026): its answer to a published finding
(correction, root cause, evidence of effectiveness), the corrective actions of its plan (an
owner among its members, a due date, done or not), and the submission of the answer to the
auditor. Quality managers write them (`Action.MANAGE_AUDITS` in the structure)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from audit_prep import access, audit
from audit_prep.api.errors import Conflict
from audit_prep.models import Membership
from audit_prep.roles import Action
from evidence.models import EvidenceItem

from .finding_models import CorrectiveAction, Finding, FindingStatus
from .findings import latest_published

ANSWERABLE = (FindingStatus.OPEN, FindingStatus.ANSWERED, FindingStatus.MORE_REQUESTED)
ACTION_FIELDS = ("description", "owner", "due_date", "done_on")


def _require(actor, finding: Finding) -> None:
    access.require_object(actor, Action.MANAGE_AUDITS, finding)
    if finding.status == FindingStatus.DRAFT:  # the structure does not see drafts
        raise Conflict(_("This finding is not published."), code="finding_not_published")


def _require_answerable(finding: Finding) -> None:
    if finding.status not in ANSWERABLE:
        raise Conflict(_("This finding's plan was accepted or the finding is closed: its "
                         "answer can no longer change."), code="answer_locked")


def _answer_facts(finding: Finding) -> dict:
    return {"correction": finding.correction, "root_cause": finding.root_cause,
            "effectiveness": sorted(e.pk for e in finding.effectiveness.all())}


def answer(actor, finding: Finding, data: dict) -> Finding:
    """Write (or rewrite) the structure's answer before it is submitted again."""
    _require(actor, finding)
    _require_answerable(finding)
    evidence = None
    if "effectiveness" in data:
        ids = {item.pk if hasattr(item, "pk") else int(item) for item in data["effectiveness"]}
        evidence = list(EvidenceItem.objects.filter(
            pk__in=ids, organization_id=finding.engagement.organization_id))
        if len(evidence) != len(ids):
            raise ValidationError({"effectiveness": [_("Name only evidence of this "
                                                       "structure.")]},
                                  code="evidence_not_found")
    with transaction.atomic():
        before = _answer_facts(finding)
        for name in ("correction", "root_cause"):
            if name in data:
                setattr(finding, name, str(data[name]).strip())
        finding.save()
        if evidence is not None:
            finding.effectiveness.set(evidence)
        audit.record(actor, "finding.answer", finding, before=before,
                     after=_answer_facts(finding))
    return finding


def submit(actor, finding: Finding) -> Finding:
    """Send the answer to the auditor. A nonconformity needs its correction, its root cause
    and at least one corrective action."""
    _require(actor, finding)
    _require_answerable(finding)
    published = latest_published(finding)
    if published is not None and published.grade.is_nonconformity:
        missing = [name for name in ("correction", "root_cause")
                   if not getattr(finding, name)]
        if not finding.actions.exists():
            missing.append("actions")
        if missing:
            raise ValidationError(
                {name: [_("Needed before the answer is submitted.")] for name in missing},
                code="answer_incomplete")
    with transaction.atomic():
        before = finding.status
        finding.status, finding.answered_at = FindingStatus.ANSWERED, timezone.now()
        finding.save()
        audit.record(actor, "finding.submit", finding, before={"status": before},
                     after={"status": finding.status, **_answer_facts(finding)})
    return finding


def _check_owner(finding: Finding, owner) -> None:
    if not Membership.objects.filter(user=owner,
                                     organization_id=finding.engagement.organization_id
                                     ).exists():
        raise ValidationError({"owner": [_("The owner must be a member of the structure.")]},
                              code="owner_not_member")


def _action_facts(action: CorrectiveAction) -> dict:
    return {"finding": action.finding.number, "description": action.description,
            "owner": action.owner.get_username(), "due_date": action.due_date,
            "done_on": action.done_on}


def add_action(actor, finding: Finding, data: dict) -> CorrectiveAction:
    """A corrective action of the finding's plan (or an improvement action)."""
    _require(actor, finding)
    if finding.status == FindingStatus.CLOSED:
        raise Conflict(_("This finding is closed."), code="finding_closed")
    _check_owner(finding, data["owner"])
    with transaction.atomic():
        action = CorrectiveAction.objects.create(
            finding=finding, created_by=actor,
            **{name: data[name] for name in ACTION_FIELDS if name in data})
        audit.record(actor, "corrective_action.create", action, after=_action_facts(action))
    return action


def update_action(actor, action: CorrectiveAction, data: dict) -> CorrectiveAction:
    """Change an action, or record it done (`done_on`); it outlives the audit."""
    _require(actor, action.finding)
    if "owner" in data:
        _check_owner(action.finding, data["owner"])
    with transaction.atomic():
        before = _action_facts(action)
        for name in ACTION_FIELDS:
            if name in data:
                setattr(action, name, data[name])
        action.save()
        audit.record(actor, "corrective_action.update", action, before=before,
                     after=_action_facts(action))
    return action


def record_done(actor, action: CorrectiveAction, day) -> CorrectiveAction:
    """Record an action done on `day`: by its owner, whatever their role (they are reminded
    of it), or by a quality manager."""
    finding = action.finding
    if actor.pk != action.owner_id:
        return update_action(actor, action, {"done_on": day})
    access.require_object(actor, Action.VIEW, finding)
    if finding.status in (FindingStatus.DRAFT, FindingStatus.CLOSED):
        raise Conflict(_("This finding is closed."), code="finding_closed")
    with transaction.atomic():
        before = _action_facts(action)
        action.done_on = day
        action.save(update_fields=["done_on"])
        audit.record(actor, "corrective_action.update", action, before=before,
                     after=_action_facts(action))
    return action
