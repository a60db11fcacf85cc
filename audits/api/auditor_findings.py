"""The auditor's findings endpoints, under `/api/v1/audit/engagements/<id>/findings/`: list
(drafts included), draft, change a draft, publish, correct (a new version), review the
structure's answer, close. Each needs `Action.AUDIT` on the engagement through the choke point
(`require_engagement`): 404 without any grant on it, 403 for members who do not audit it."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from audit_prep.roles import Action

from .. import findings
from ..finding_models import Finding
from ..models import Engagement
from ..scales import scale_for
from ..workspace.guard import enter, record
from .finding_serializers import (
    AuditorFindingSerializer,
    CloseSerializer,
    FindingInputSerializer,
    FindingReviewSerializer,
    GradingScaleSerializer,
)
from .finding_views import findings_queryset


class AuditsTheEngagement(IsAuthenticated):
    """Signed in; the view asks the choke point for `Action.AUDIT` on the engagement (through
    the workspace's guard), so a member who does not audit it gets 403, reads included."""

    def may_forbid(self, view) -> bool:
        """For the schema (audit_prep.api.schema): 403 on every method."""
        return True


class _Audited(GenericAPIView):
    permission_classes = [AuditsTheEngagement]
    serializer_class = AuditorFindingSerializer
    queryset = Finding.objects.none()  # for the schema: every read goes through `engagement()`

    def engagement(self) -> Engagement:
        """The engagement, if the user audits it (the workspace's way in: the choke point)."""
        return enter(self.request.user, self.kwargs["engagement_id"], Action.AUDIT)

    def read(self, engagement: Engagement, obj=None) -> None:
        """An auditor's read is in the audit trail (`auditor.view`)."""
        record(self.request, "view", engagement, obj)

    def finding(self):
        engagement = self.engagement()
        return get_object_or_404(findings_queryset().filter(engagement=engagement),
                                 pk=self.kwargs["finding_id"])

    def shown(self, finding, status=200):
        fresh = findings_queryset().get(pk=finding.pk)
        return Response(AuditorFindingSerializer(fresh).data, status=status)

    def body(self, serializer_class):
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data


class FindingsView(_Audited):
    """The engagement's findings, drafts included; POST drafts a new one."""

    @extend_schema(responses=AuditorFindingSerializer(many=True))
    def get(self, request, engagement_id):
        engagement = self.engagement()
        self.read(engagement)
        return Response(AuditorFindingSerializer(findings_queryset().filter(
            engagement=engagement), many=True).data)

    @extend_schema(request=FindingInputSerializer, responses={201: AuditorFindingSerializer})
    def post(self, request, engagement_id):
        """A finding needs a grade of the engagement's scale and at least one requirement of
        its referentials (400 `grade_required`, `requirement_required`...)."""
        engagement = self.engagement()
        data = self.body(FindingInputSerializer)
        return self.shown(findings.draft_finding(request.user, engagement, data), status=201)


class FindingView(_Audited):
    """One finding; PATCH changes its draft (409 `finding_published` once published)."""

    def get(self, request, engagement_id, finding_id):
        finding = self.finding()
        self.read(finding.engagement, finding)
        return self.shown(finding)

    @extend_schema(request=FindingInputSerializer)
    def patch(self, request, engagement_id, finding_id):
        finding = self.finding()
        return self.shown(findings.update_draft(request.user, finding,
                                                self.body(FindingInputSerializer)))


class PublishView(_Audited):
    """Publish the draft: the structure sees it; its text is hashed and locked."""

    @extend_schema(request=None)
    def post(self, request, engagement_id, finding_id):
        return self.shown(findings.publish(request.user, self.finding()))


class CorrectView(_Audited):
    """Start a correction of a published finding: a new draft version (the published one
    stays readable)."""

    @extend_schema(request=FindingInputSerializer, responses={201: AuditorFindingSerializer})
    def post(self, request, engagement_id, finding_id):
        finding = self.finding()
        return self.shown(findings.correct(request.user, finding,
                                           self.body(FindingInputSerializer)), status=201)


class ReviewView(_Audited):
    """Accept the structure's corrective-action plan or ask for more."""

    @extend_schema(request=FindingReviewSerializer)
    def post(self, request, engagement_id, finding_id):
        finding = self.finding()
        data = self.body(FindingReviewSerializer)
        return self.shown(findings.review(request.user, finding, data["decision"] == "accept",
                                          data["comment"]))


class CloseView(_Audited):
    """Close the finding (a nonconformity once its plan was accepted)."""

    @extend_schema(request=CloseSerializer)
    def post(self, request, engagement_id, finding_id):
        finding = self.finding()
        return self.shown(findings.close(request.user, finding,
                                         self.body(CloseSerializer)["comment"]))


class ScaleView(_Audited):
    """The grades the auditor chooses from on this engagement (its certification body's scale,
    else the structure's default)."""

    @extend_schema(responses=GradingScaleSerializer)
    def get(self, request, engagement_id):
        engagement = self.engagement()
        scale = scale_for(engagement)
        self.read(engagement, scale)
        return Response(GradingScaleSerializer(scale, context={"request": request}).data)
