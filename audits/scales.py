"""Grading scales (decision 0026): the grades a certification body uses, configured per
structure by its quality manager. Every structure has a default scale, the common French one
(with the ISO 19011 terms in English), created when it is first needed; a scale of a named
certification body starts as a copy of it. The deadlines a grade implies are counted from the
audit's last day and stored on each finding when it is published."""

import datetime

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from audit_prep import access, audit
from audit_prep.api.errors import Conflict
from audit_prep.roles import Action

from .finding_models import Grade, GradingScale, Severity

# code, French label, English label (ISO 19011 wording), severity, improvement plan,
# corrective-action plan due (days), verification due (months)
DEFAULT_GRADES = (
    ("good_practice", "Point fort", "Good practice", Severity.NONE, False, None, None),
    ("improvement", "Piste de progrès", "Opportunity for improvement", Severity.NONE, True,
     None, None),
    ("conformity", "Constat de conformité", "Conformity", Severity.NONE, False, None, None),
    ("sensitive_point", "Point sensible", "Area of concern", Severity.NONE, True, None, None),
    ("vigilance", "Point de vigilance", "Observation", Severity.NONE, True, None, None),
    ("minor_nc", "Non-conformité mineure", "Minor nonconformity", Severity.MINOR, False, 90,
     None),
    ("major_nc", "Non-conformité majeure", "Major nonconformity", Severity.MAJOR, False, 90, 6),
)
GRADE_FIELDS = ("code", "label_fr", "label_en", "severity", "improvement", "plan_days",
                "verification_months")


def _default_rows() -> list[dict]:
    return [dict(zip(GRADE_FIELDS, row, strict=True)) for row in DEFAULT_GRADES]


def _grade_rows(scale: GradingScale) -> list[dict]:
    return [{name: getattr(grade, name) for name in GRADE_FIELDS}
            for grade in scale.grades.all()]


def default_scale(organization_id: int) -> GradingScale:
    """The structure's default scale, created with the common French grades when missing."""
    scale, created = GradingScale.objects.get_or_create(organization_id=organization_id,
                                                        certification_body="")
    if created:
        Grade.objects.bulk_create(Grade(scale=scale, position=index, **row)
                                  for index, row in enumerate(_default_rows(), 1))
    return scale


def scale_for(engagement) -> GradingScale:
    """The scale of the engagement's certification body, else the structure's default."""
    body = engagement.certification_body.strip()
    if body:
        found = GradingScale.objects.filter(organization_id=engagement.organization_id,
                                            certification_body__iexact=body).first()
        if found is not None:
            return found
    return default_scale(engagement.organization_id)


def deadlines(grade: Grade, engagement) -> tuple[datetime.date | None, datetime.date | None]:
    """(plan due, verification due) the grade implies for a finding of this audit."""
    last_day = engagement.end_date
    plan = last_day + datetime.timedelta(days=grade.plan_days) if grade.plan_days else None
    verification = (last_day + relativedelta(months=grade.verification_months)
                    if grade.verification_months else None)
    return plan, verification


def create_scale(actor, organization, certification_body: str) -> GradingScale:
    """A scale for one certification body, starting as a copy of the structure's default."""
    access.require(actor, Action.MANAGE_AUDITS, organization.pk)
    template = _grade_rows(default_scale(organization.pk))
    try:
        with transaction.atomic():
            scale = GradingScale.objects.create(organization=organization,
                                                certification_body=certification_body.strip())
            Grade.objects.bulk_create(Grade(scale=scale, position=index, **row)
                                      for index, row in enumerate(template, 1))
            audit.record(actor, "grading_scale.create", scale,
                         after={"certification_body": scale.certification_body,
                                "grades": template})
    except IntegrityError as exc:
        raise Conflict(_("This certification body already has a grading scale."),
                       code="grading_scale_exists") from exc
    return scale


def _already_used() -> Conflict:
    return Conflict(_("Another grade of this scale already has this code."),
                    code="grade_code_exists")


def update_grade(actor, grade: Grade, data: dict) -> Grade:
    """Change a grade's labels, severity or deadlines. Findings already published keep the
    deadlines they were given."""
    access.require(actor, Action.MANAGE_AUDITS, grade.scale.organization_id)
    before = {name: getattr(grade, name) for name in GRADE_FIELDS}
    for name in GRADE_FIELDS:
        if name in data:
            setattr(grade, name, data[name])
    try:
        with transaction.atomic():
            grade.save()
            audit.record(actor, "grade.update", grade, before=before,
                         after={name: getattr(grade, name) for name in GRADE_FIELDS})
    except IntegrityError as exc:
        raise _already_used() from exc
    return grade


def add_grade(actor, scale: GradingScale, data: dict) -> Grade:
    """A new grade at the end of the scale."""
    access.require(actor, Action.MANAGE_AUDITS, scale.organization_id)
    try:
        with transaction.atomic():
            last = scale.grades.aggregate(last=Max("position"))["last"] or 0
            grade = Grade.objects.create(scale=scale, position=last + 1,
                                         **{name: data[name] for name in GRADE_FIELDS
                                            if name in data})
            audit.record(actor, "grade.create", grade,
                         after={name: getattr(grade, name) for name in GRADE_FIELDS})
    except IntegrityError as exc:
        raise _already_used() from exc
    return grade


def give_default_scale(sender, instance, created, raw=False, **kwargs) -> None:
    """Every new structure gets its default scale (connected in `AuditsConfig.ready`), so that
    reading a scale never has to write one."""
    if created and not raw:
        default_scale(instance.pk)
