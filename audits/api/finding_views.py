"""Findings for the structure's members: published findings of their audits, the answer and
its submission, the corrective actions, the improvement plan and the nonconformity log (with
CSV and XLSX exports), and the grading scales. Quality managers write; every member reads."""

from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from audit_prep import access, audit
from audit_prep.api.filters import id_filterset
from audit_prep.api.schema import file_responses, path_choice
from audit_prep.api.viewsets import ScopedViewSet
from audit_prep.roles import Action
from audit_prep.structure_settings import structure

from .. import answers, improvement, scales
from ..finding_models import (
    CorrectiveAction,
    Finding,
    FindingStatus,
    FindingVersion,
    Grade,
    GradingScale,
)
from .finding_serializers import (
    ActionDoneSerializer,
    ActionSerializer,
    FindingAnswerSerializer,
    FindingSerializer,
    GradeSerializer,
    GradingScaleSerializer,
    LogQuerySerializer,
)

MANAGE = Action.MANAGE_AUDITS
WRITES: dict[str, Action | None] = {
    name: MANAGE for name in ("create", "update", "partial_update", "destroy")}


def findings_queryset():
    """Findings with their versions (grade, requirements, evidence) and actions: a fixed number
    of queries for a list."""
    versions = (FindingVersion.objects.select_related("grade", "published_by")
                .prefetch_related("requirements", "evidence").order_by("number"))
    return (Finding.objects.select_related("engagement")
            .prefetch_related(Prefetch("versions", queryset=versions), "effectiveness",
                              Prefetch("actions", queryset=CorrectiveAction.objects
                                       .select_related("owner", "finding")))
            .order_by("engagement_id", "number"))


class FindingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Published findings of your structures' audits. Quality managers answer them
    (correction, root cause, evidence of effectiveness) and submit the answer to the auditor."""

    queryset = findings_queryset().exclude(status=FindingStatus.DRAFT)
    serializer_class = FindingSerializer
    filterset_class = id_filterset(Finding, id_fields=["engagement"], fields=["status"])
    action_permissions = {"answer": MANAGE, "submit": MANAGE, "log": Action.VIEW,
                          "log_export": Action.VIEW}

    def _fresh(self, finding):
        return Response(FindingSerializer(self.get_queryset().get(pk=finding.pk)).data)

    @extend_schema(request=FindingAnswerSerializer, responses=FindingSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """Write the answer (before it is submitted, or again when the auditor asks more)."""
        finding = self.get_object()
        body = FindingAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._fresh(answers.answer(request.user, finding, body.validated_data))

    @extend_schema(request=None, responses=FindingSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit the answer to the auditor (a nonconformity needs correction, root cause and
        at least one corrective action: 400 `answer_incomplete`)."""
        return self._fresh(answers.submit(request.user, self.get_object()))

    def _log(self, request, organization_id):
        query = LogQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        organization = structure(request.user, int(organization_id))
        which = query.validated_data["list"]
        return organization, which, improvement.entries(organization.pk, which)

    @extend_schema(parameters=[LogQuerySerializer,
                               OpenApiParameter("organization_id", int, OpenApiParameter.PATH)],
                   responses=FindingSerializer(many=True))
    @action(detail=False, methods=["get"], url_path=r"log/(?P<organization_id>[0-9]+)")
    def log(self, request, organization_id=None):
        """The structure's nonconformity log (ISO 9001 10.2) or its improvement plan: every
        published finding of that kind, whatever audit it came from, with its actions."""
        _organization, _which, found = self._log(request, organization_id)
        shown = findings_queryset().filter(pk__in=[entry.finding.pk for entry in found])
        order = {entry.finding.pk: index for index, entry in enumerate(found)}
        return Response(FindingSerializer(sorted(shown, key=lambda f: order[f.pk]),
                                          many=True).data)

    @extend_schema(parameters=[LogQuerySerializer,
                               path_choice("fmt", improvement.EXPORTERS, "format"),
                               OpenApiParameter("organization_id", int, OpenApiParameter.PATH)],
                   responses=file_responses([t for _w, t in improvement.EXPORTERS.values()],
                                            "The log, as an attachment."))
    @action(detail=False, methods=["get"],
            url_path=r"log/(?P<organization_id>[0-9]+)/export/(?P<fmt>csv|xlsx)")
    def log_export(self, request, organization_id=None, fmt=None):
        """The log as CSV or XLSX: one row per action."""
        organization, which, found = self._log(request, organization_id)
        writer, content_type = improvement.EXPORTERS[fmt]
        response = HttpResponse(content_type=content_type)
        writer(found, response)
        response["Content-Disposition"] = (
            f'attachment; filename="{improvement.filename(organization, which, fmt)}"')
        if request.method != "HEAD":
            audit.record(request.user, "findings.log_export", organization,
                         after={"list": which, "format": fmt,
                                "date": timezone.localdate().isoformat()})
        return response


class CorrectiveActionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                              mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet):
    """Corrective actions of your structures' findings: an owner (a member), a due date, and
    the day it was done."""

    queryset = (CorrectiveAction.objects.select_related("owner", "finding")
                .exclude(finding__status=FindingStatus.DRAFT).order_by("due_date", "id"))
    serializer_class = ActionSerializer
    filterset_class = id_filterset(CorrectiveAction, id_fields=["finding", "owner"])
    action_permissions = {**WRITES, "done": Action.VIEW}  # the service checks who
    organization_field = "organization"

    def target_organizations(self, request) -> set[int]:
        finding = access.scope(Finding.objects.filter(pk=_id(request.data.get("finding")) or 0),
                               request.user).values_list("engagement__organization_id",
                                                         flat=True).first()
        return {finding} if finding else set()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = answers.add_action(self.request.user, data.pop("finding"), data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("finding", None)
        serializer.instance = answers.update_action(self.request.user, serializer.instance,
                                                    data)

    @extend_schema(request=ActionDoneSerializer, responses=ActionSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        """Record the action done (today unless `done_on` is given): its owner may, whatever
        their role, as may quality managers."""
        body = ActionDoneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = answers.record_done(request.user, self.get_object(),
                                   body.validated_data.get("done_on") or timezone.localdate())
        return Response(ActionSerializer(done, context={"request": request}).data)


def _id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class GradingScaleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          mixins.CreateModelMixin, ScopedViewSet):
    """Grading scales of your structures, one per certification body (a new one starts as a
    copy of the default scale, created when first needed)."""

    queryset = GradingScale.objects.prefetch_related("grades").order_by("certification_body",
                                                                        "id")
    serializer_class = GradingScaleSerializer
    filterset_class = id_filterset(GradingScale, id_fields=["organization"])
    action_permissions = WRITES

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = scales.create_scale(self.request.user, data["organization"],
                                                  data["certification_body"])


class GradeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                   mixins.UpdateModelMixin, ScopedViewSet):
    """Grades of your scales: labels, severity, whether they feed the improvement plan and the
    deadlines they imply (days for the plan, months for verification)."""

    queryset = Grade.objects.select_related("scale").order_by("scale_id", "position")
    serializer_class = GradeSerializer
    filterset_class = id_filterset(Grade, id_fields=["scale"])
    action_permissions = WRITES

    def target_organizations(self, request) -> set[int]:
        found = access.scope(GradingScale.objects.filter(pk=_id(request.data.get("scale")) or 0),
                             request.user).values_list("organization_id", flat=True).first()
        return {found} if found else set()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = scales.add_grade(self.request.user, data.pop("scale"), data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("scale", None)
        serializer.instance = scales.update_grade(self.request.user, serializer.instance, data)
