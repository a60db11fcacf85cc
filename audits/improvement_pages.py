"""The structure's nonconformity log (ISO 9001 10.2) and improvement plan, whatever audit their
findings came from, with their CSV / XLSX exports; and its grading scales, configured by the
quality manager (a scale per certification body, its grades' labels, severity and deadlines).
The same read model, serializers and services as the API's `findings/log/...`,
`grading-scales/` and `grades/`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit_prep import audit
from audit_prep.page_forms import field_errors, refusals
from audit_prep.roles import Action
from audit_prep.structure_settings import frame, structure

from . import improvement, scales
from .api.finding_serializers import GradeSerializer
from .finding_models import Grade, GradingScale, Severity

MANAGE = Action.MANAGE_AUDITS
GRADE_FIELDS = ("code", "label_fr", "label_en", "severity", "plan_days", "verification_months")


def _which(request) -> str:
    which = request.GET.get("list", improvement.NONCONFORMITIES)
    return which if which in improvement.LISTS else improvement.NONCONFORMITIES


@login_required
@require_GET
def improvement_page(request, organization_id: int):
    """The nonconformity log or the improvement plan (`?list=improvements`)."""
    organization = structure(request.user, organization_id)
    which = _which(request)
    return render(request, "audits/pages/improvement.html", frame(
        organization, "improvement", request.user, MANAGE, which=which,
        entries=improvement.entries(organization.pk, which), today=timezone.localdate()))


@login_required
@require_GET
def improvement_export(request, organization_id: int, fmt: str):
    """The list shown, as CSV or XLSX (one row per action)."""
    organization = structure(request.user, organization_id)
    if fmt not in improvement.EXPORTERS:
        raise Http404
    which = _which(request)
    writer, content_type = improvement.EXPORTERS[fmt]
    response = HttpResponse(content_type=content_type)
    writer(improvement.entries(organization.pk, which), response)
    response["Content-Disposition"] = (
        f'attachment; filename="{improvement.filename(organization, which, fmt)}"')
    if request.method != "HEAD":
        audit.record(request.user, "findings.log_export", organization,
                     after={"list": which, "format": fmt,
                            "date": timezone.localdate().isoformat()})
    return response


def _scales_page(request, organization, status=200, **context):
    shown = GradingScale.objects.filter(organization=organization).prefetch_related("grades")
    return render(request, "audits/pages/grading_scales.html", frame(
        organization, "grading", request.user, MANAGE, scales=shown,
        severities=Severity.choices, **{"refusals": [], "errors": {}, **context}),
        status=status)


def _grade_data(post) -> dict:
    data = {name: post.get(name, "") for name in GRADE_FIELDS if name in post}
    for name in ("plan_days", "verification_months"):
        if data.get(name) == "":
            data[name] = None
    data["improvement"] = post.get("improvement") == "on"
    return data


def _create(request, organization):
    form = request.POST.get("form")
    if form == "scale":
        body = request.POST.get("certification_body", "").strip()
        if not body:
            return [_("Name the certification body.")]
        return refusals(lambda: scales.create_scale(request.user, organization, body))
    scale = GradingScale.objects.filter(organization=organization,
                                        pk=request.POST.get("scale") or 0).first()
    if scale is None:
        raise Http404
    grade = GradeSerializer(data={"scale": scale.pk, **_grade_data(request.POST)},
                            context={"request": request})
    if not grade.is_valid():
        return [message for messages_ in field_errors(grade).values() for message in messages_]
    data = dict(grade.validated_data)
    data.pop("scale")
    return refusals(lambda: scales.add_grade(request.user, scale, data))


@login_required
def grading_scales(request, organization_id: int):
    """The structure's grading scales; the quality manager adds a scale or a grade."""
    if request.method != "POST":
        return _scales_page(request, structure(request.user, organization_id))
    organization = structure(request.user, organization_id, MANAGE)
    refused = _create(request, organization)
    if refused:
        return _scales_page(request, organization, status=400, refusals=refused)
    messages.success(request, _("The grading scale is saved."))
    return redirect("structure-settings-grading-scales", organization.pk)


@login_required
@require_POST
def grade_page(request, organization_id: int, grade_id: int):
    """Change one grade: labels, severity, improvement plan, deadlines."""
    organization = structure(request.user, organization_id, MANAGE)
    grade = Grade.objects.filter(pk=grade_id, scale__organization=organization).first()
    if grade is None:
        raise Http404
    form = GradeSerializer(grade, data=_grade_data(request.POST), partial=True,
                           context={"request": request})
    if not form.is_valid():
        return _scales_page(request, organization, status=400,
                            errors={grade.pk: field_errors(form)})
    refused = refusals(lambda: scales.update_grade(request.user, grade,
                                                   dict(form.validated_data)))
    if refused:
        return _scales_page(request, organization, status=400, refusals=refused)
    messages.success(request, _("The grade is saved."))
    return redirect("structure-settings-grading-scales", organization.pk)
