"""The auditor's side of findings (decision 0026): draft, publish, correct (a new version),
review the structure's answer, close. Every service checks `Action.AUDIT` on the engagement
through the choke point (`access.require_engagement`): the external auditor's grant, or the
quality manager's on an internal or cross audit.

A finding names at least one requirement of the engagement's referentials and a grade of the
engagement's scale (400 `requirement_required`, `grade_required`...). Publishing stores the
version's canonical form (`canonical`) and its SHA-256; the database refuses any later change of
a published version, so a correction is a new version and the old one stays readable."""

import hashlib
import json

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from audit_prep import access, audit
from audit_prep.api.errors import Conflict
from audit_prep.roles import Action
from checklists.models import Requirement
from evidence.models import EvidenceItem

from .finding_models import Finding, FindingStatus, FindingVersion, Grade, Severity
from .models import Engagement
from .scales import deadlines, scale_for


def _invalid(field: str, message, code: str) -> ValidationError:
    return ValidationError({field: [message]}, code=code)


def _grade(engagement: Engagement, grade_id) -> Grade:
    if grade_id in (None, ""):
        raise _invalid("grade", _("Choose the finding's grade."), "grade_required")
    grade = scale_for(engagement).grades.filter(pk=grade_id).first()
    if grade is None:
        raise _invalid("grade", _("This grade is not in the scale of this audit."),
                       "grade_not_in_scale")
    return grade


def _requirements(engagement: Engagement, ids) -> list[Requirement]:
    ids = {int(pk) for pk in ids or ()}
    if not ids:
        raise _invalid("requirements", _("Name at least one requirement the finding is "
                                         "about."), "requirement_required")
    found = list(Requirement.objects.filter(
        pk__in=ids, referential__in=engagement.referentials.all()))
    visible = [r for r in found if r.organization_id in (None, engagement.organization_id)]
    if len(visible) != len(ids):
        raise _invalid("requirements", _("Name only requirements of this audit's "
                                         "referentials."), "requirement_not_audited")
    return visible


def _evidence(engagement: Engagement, ids) -> list[EvidenceItem]:
    ids = {int(pk) for pk in ids or ()}
    found = list(EvidenceItem.objects.filter(pk__in=ids,
                                             organization_id=engagement.organization_id))
    if len(found) != len(ids):
        raise _invalid("evidence", _("Name only evidence of the audited structure."),
                       "evidence_not_found")
    return found


def _content(engagement: Engagement, data: dict, base: FindingVersion | None = None) -> dict:
    """The checked content of a version: `data` over the version it corrects (if any)."""
    def given(name, default):
        return data.get(name, default)

    text = str(given("text", base.text if base else "")).strip()
    if not text:
        raise _invalid("text", _("Write what was found."), "text_required")
    return {
        "grade": _grade(engagement, given("grade", base.grade_id if base else None)),
        "text": text,
        "requirements": _requirements(engagement, given(
            "requirements", [r.pk for r in base.requirements.all()] if base else [])),
        "evidence": _evidence(engagement, given(
            "evidence", [e.pk for e in base.evidence.all()] if base else [])),
    }


def _write_version(version: FindingVersion, content: dict) -> FindingVersion:
    version.grade, version.text = content["grade"], content["text"]
    version.save()
    version.requirements.set(content["requirements"])
    version.evidence.set(content["evidence"])
    return version


def _facts(version: FindingVersion) -> dict:
    return {"finding": version.finding.number, "version": version.number,
            "grade": version.grade.code, "text": version.text,
            "requirements": sorted(r.ref_id for r in version.requirements.all()),
            "evidence": sorted(e.pk for e in version.evidence.all())}


def draft_finding(actor, engagement: Engagement, data: dict) -> Finding:
    """A new finding, as a draft only those who audit the engagement see."""
    access.require_engagement(actor, Action.AUDIT, engagement)
    content = _content(engagement, data)
    with transaction.atomic():
        Engagement.objects.select_for_update().filter(pk=engagement.pk).first()
        last = engagement.findings.aggregate(last=Max("number"))["last"] or 0
        finding = Finding.objects.create(engagement=engagement, number=last + 1,
                                         created_by=actor)
        version = _write_version(FindingVersion(finding=finding, number=1, created_by=actor),
                                 content)
        audit.record(actor, "finding.draft", finding, after=_facts(version))
    return finding


def draft_of(finding: Finding) -> FindingVersion | None:
    return finding.versions.filter(published_at__isnull=True).first()


def latest_published(finding: Finding) -> FindingVersion | None:
    return finding.versions.filter(published_at__isnull=False).order_by("-number").first()


def update_draft(actor, finding: Finding, data: dict) -> Finding:
    """Change the finding's draft; a published version is never changed (409)."""
    access.require_engagement(actor, Action.AUDIT, finding.engagement)
    version = draft_of(finding)
    if version is None:
        raise Conflict(_("A published finding cannot be changed: publish a correction as a "
                         "new version."), code="finding_published")
    content = _content(finding.engagement, data, base=version)
    with transaction.atomic():
        before = _facts(version)
        _write_version(version, content)
        audit.record(actor, "finding.draft_update", finding, before=before,
                     after=_facts(version))
    return finding


def correct(actor, finding: Finding, data: dict) -> Finding:
    """Start a correction: a new draft version over the latest published one."""
    access.require_engagement(actor, Action.AUDIT, finding.engagement)
    published = latest_published(finding)
    if published is None:
        raise Conflict(_("This finding is not published yet: change its draft."),
                       code="finding_not_published")
    if draft_of(finding) is not None:
        raise Conflict(_("A correction of this finding is already in draft."),
                       code="correction_pending")
    content = _content(finding.engagement, data, base=published)
    with transaction.atomic():
        version = _write_version(FindingVersion(finding=finding, number=published.number + 1,
                                                created_by=actor), content)
        audit.record(actor, "finding.correct", finding, after=_facts(version))
    return finding


def canonical_form(version: FindingVersion) -> str:
    """The text hashed at publication: sorted keys, no spaces, UTF-8 kept."""
    grade = version.grade
    facts = {"engagement": version.finding.engagement_id,
             "organization": version.finding.engagement.organization_id,
             "finding": version.finding.number, "version": version.number,
             "grade": {"code": grade.code, "label_fr": grade.label_fr,
                       "label_en": grade.label_en, "severity": grade.severity},
             "text": version.text,
             "requirements": sorted(r.urn for r in version.requirements.all()),
             "evidence": sorted(e.pk for e in version.evidence.all()),
             "published_at": version.published_at.isoformat() if version.published_at else None,
             "published_by": version.published_by.get_username() if version.published_by
             else None}
    return json.dumps(facts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_of(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def publish(actor, finding: Finding) -> Finding:
    """Publish the draft: the structure sees it, its text is hashed and locked, and its
    deadlines are set from the grade and the audit's last day."""
    engagement = finding.engagement
    access.require_engagement(actor, Action.AUDIT, engagement)
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        version = draft_of(finding)
        if version is None:
            raise Conflict(_("Nothing to publish: this finding has no draft."),
                           code="nothing_to_publish")
        version.published_at, version.published_by = timezone.now(), actor
        version.canonical = canonical_form(version)
        version.sha256 = sha256_of(version.canonical)
        version.save()
        finding.plan_due, finding.verification_due = deadlines(version.grade, engagement)
        if finding.status == FindingStatus.DRAFT:
            finding.status = FindingStatus.OPEN
        finding.save()
        audit.record(actor, "finding.publish", finding,
                     after={**_facts(version), "sha256": version.sha256})
    return finding


def _current_severity(finding: Finding) -> str:
    published = latest_published(finding)
    return published.grade.severity if published else Severity.NONE


def review(actor, finding: Finding, accept: bool, comment: str = "") -> Finding:
    """The auditor accepts the structure's corrective-action plan, or asks for more (with a
    comment saying what)."""
    access.require_engagement(actor, Action.AUDIT, finding.engagement)
    if finding.status != FindingStatus.ANSWERED:
        raise Conflict(_("The structure has not submitted its answer to this finding."),
                       code="not_answered")
    if not accept and not comment.strip():
        raise _invalid("comment", _("Say what more is expected."), "comment_required")
    with transaction.atomic():
        before = finding.status
        finding.status = FindingStatus.ACCEPTED if accept else FindingStatus.MORE_REQUESTED
        finding.review_comment, finding.reviewed_at = comment.strip(), timezone.now()
        finding.save()
        audit.record(actor, "finding.review", finding, before={"status": before},
                     after={"status": finding.status, "comment": finding.review_comment})
    return finding


def close(actor, finding: Finding, comment: str = "") -> Finding:
    """Close a published finding; a nonconformity only once its plan was accepted."""
    access.require_engagement(actor, Action.AUDIT, finding.engagement)
    if finding.status in (FindingStatus.DRAFT, FindingStatus.CLOSED):
        raise Conflict(_("Only a published finding that is still open can be closed."),
                       code="finding_not_open")
    if (_current_severity(finding) != Severity.NONE
            and finding.status != FindingStatus.ACCEPTED):
        raise Conflict(_("Accept the corrective-action plan of this nonconformity before "
                         "closing it."), code="plan_not_accepted")
    with transaction.atomic():
        before = finding.status
        finding.status, finding.closed_at = FindingStatus.CLOSED, timezone.now()
        if comment.strip():
            finding.review_comment = comment.strip()
        finding.save()
        audit.record(actor, "finding.close", finding, before={"status": before},
                     after={"status": finding.status})
    return finding


def published_findings(engagement: Engagement) -> list[dict]:
    """Every published version of the engagement's findings, in order, with its published
    text (canonical form) and SHA-256: what the sealed audit pack lists."""
    versions = (FindingVersion.objects.filter(finding__engagement=engagement,
                                              published_at__isnull=False)
                .select_related("finding", "grade").order_by("finding__number", "number"))
    return [{"finding": version.finding.number, "version": version.number,
             "status": version.finding.status, "grade": version.grade.code,
             "text": version.text, "published_at": version.published_at,
             "canonical": version.canonical, "sha256": version.sha256}
            for version in versions]
