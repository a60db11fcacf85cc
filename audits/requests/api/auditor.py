"""The auditor's routes for the evidence requests of one engagement
(`audit/engagements/<id>/requests/...`), reached through the workspace's guard (the choke
point's `require_engagement`; the auditor's reads recorded as `auditor.view`): the requests
with the status shown to the auditor and the submitted answers only, asking for more,
reviewing what was submitted, and the auditor thread. The internal thread has no route here.
Members of the structure read these routes too (they show what the auditor sees, unlogged);
writing needs `Action.AUDIT`."""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from audit_prep import access
from audit_prep.roles import Action

from ...models import Engagement
from ...workspace import guard
from .. import services, threads
from ..models import EvidenceRequest, RequestAnswer, RequestMessage, Thread
from .serializers import (
    AuditorMessageSerializer,
    AuditorRequestSerializer,
    RequestReviewSerializer,
)


class _EngagementView(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class: type = AuditorRequestSerializer
    queryset: QuerySet = EvidenceRequest.objects.none()  # for the schema: each view reads its own

    def engagement(self) -> Engagement:
        """Through the workspace's guard (the choke point's 404 / 403)."""
        return guard.enter(self.request.user, self.kwargs["engagement_id"])

    def requests_of(self, engagement: Engagement):
        return (EvidenceRequest.objects.filter(engagement=engagement)
                .prefetch_related("requirements", Prefetch(
                    "answers", queryset=RequestAnswer.objects.filter(
                        submitted_at__isnull=False).select_related("evidence")))
                .order_by("due_date", "id"))

    def evidence_request(self) -> tuple[Engagement, EvidenceRequest]:
        engagement = self.engagement()
        return engagement, get_object_or_404(self.requests_of(engagement),
                                             pk=self.kwargs["request_id"])


class AuditorRequestList(_EngagementView):
    """The engagement's evidence requests as the auditor sees them; the auditor asks for more
    here."""

    pagination_class = None

    @extend_schema(operation_id="audit_requests_list",
                   responses={200: AuditorRequestSerializer(many=True)})
    def get(self, request, engagement_id: int):
        engagement = self.engagement()
        guard.record(request, "view", engagement, what="requests")
        return Response(AuditorRequestSerializer(self.requests_of(engagement), many=True).data)

    @extend_schema(request=AuditorRequestSerializer,
                   responses={201: AuditorRequestSerializer})
    def post(self, request, engagement_id: int):
        engagement = self.engagement()
        access.require_engagement(request.user, Action.AUDIT, engagement)
        body = AuditorRequestSerializer(data=request.data, context={
            **self.get_serializer_context(), "engagement": engagement})
        body.is_valid(raise_exception=True)
        created = services.create_request(request.user, engagement, dict(body.validated_data))
        return Response(AuditorRequestSerializer(self.requests_of(engagement).get(
            pk=created.pk)).data, status=status.HTTP_201_CREATED)


class AuditorRequestDetail(_EngagementView):
    """One request as the auditor sees it, with the answers submitted to them."""

    @extend_schema(operation_id="audit_requests_retrieve")
    def get(self, request, engagement_id: int, request_id: int):
        engagement, found = self.evidence_request()
        guard.record(request, "view", engagement, found)
        return Response(AuditorRequestSerializer(found).data)


class AuditorRequestReview(_EngagementView):
    """The auditor accepts the submitted answers (the request closes) or asks for more."""

    @extend_schema(request=RequestReviewSerializer, responses={200: AuditorRequestSerializer})
    def post(self, request, engagement_id: int, request_id: int):
        engagement, found = self.evidence_request()
        body = RequestReviewSerializer(data=request.data)
        access.require_engagement(request.user, Action.AUDIT, engagement)
        body.is_valid(raise_exception=True)
        services.review(request.user, found, body.validated_data["accepted"])
        return Response(AuditorRequestSerializer(self.requests_of(engagement).get(
            pk=found.pk)).data)


class AuditorRequestMessages(_EngagementView):
    """The auditor thread of a request (the only one an auditor has)."""

    serializer_class = AuditorMessageSerializer
    queryset = RequestMessage.objects.none()
    pagination_class = None

    @extend_schema(responses={200: AuditorMessageSerializer(many=True)})
    def get(self, request, engagement_id: int, request_id: int):
        engagement, found = self.evidence_request()
        guard.record(request, "view", engagement, found, what="messages")
        rows = threads.thread_messages(request.user, found, Thread.AUDITOR)
        return Response(AuditorMessageSerializer(rows, many=True).data)

    @extend_schema(request=AuditorMessageSerializer, responses={201: AuditorMessageSerializer})
    def post(self, request, engagement_id: int, request_id: int):
        _engagement, found = self.evidence_request()
        threads.require_thread(request.user, found, Thread.AUDITOR, Action.AUDIT)
        body = AuditorMessageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        message = threads.post_message(request.user, found, Thread.AUDITOR,
                                       body.validated_data["body"])
        return Response(AuditorMessageSerializer(message).data, status=status.HTTP_201_CREATED)
