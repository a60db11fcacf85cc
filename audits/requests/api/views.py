"""The structure's routes for evidence requests (`evidence-requests/`): every member reads
them; quality managers ask, change, import and submit; members who may change the vault answer
(link or upload evidence) and write on the internal thread."""

import django_filters
from django.db.models import Prefetch
from django.http import QueryDict
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from audit_prep import access
from audit_prep.api.filters import IdFilter
from audit_prep.api.viewsets import ScopedViewSet, named_ids
from audit_prep.roles import Action
from evidence.api.serializers import EvidenceSerializer, UploadFieldsSerializer
from evidence.models import EvidenceItem

from ...models import Engagement
from .. import imports, services, threads
from ..models import AuditorStatus, EvidenceRequest, RequestAnswer, RequestStatus, Thread
from .serializers import (
    AnswerLinkSerializer,
    EvidenceRequestSerializer,
    MessageSerializer,
    RequestImportSerializer,
)


class EvidenceRequestFilter(django_filters.FilterSet):
    engagement = IdFilter(field_name="engagement_id")
    assignee = IdFilter(field_name="assignee_id")
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices)
    auditor_status = django_filters.ChoiceFilter(choices=AuditorStatus.choices)
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte",
                                           label="Due on or before this date")

    class Meta:
        model = EvidenceRequest
        fields = ["engagement", "assignee", "status", "auditor_status", "due_before"]


def request_queryset():
    """Requests with what their lists show, in a fixed number of queries."""
    return (EvidenceRequest.objects.select_related("assignee", "engagement")
            .prefetch_related("requirements", Prefetch(
                "answers", queryset=RequestAnswer.objects.select_related("evidence")))
            .order_by("due_date", "id"))


THREAD = OpenApiParameter("thread", enum=Thread.values, default=Thread.AUDITOR)


class EvidenceRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet):
    """Evidence requests of your structures' audits: what is asked, by when, who answers, the
    answers and where each request stands (internally and as the auditor sees it)."""

    queryset = request_queryset()
    serializer_class = EvidenceRequestSerializer
    filterset_class = EvidenceRequestFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    action_permissions = {
        "create": Action.MANAGE_AUDITS, "update": Action.MANAGE_AUDITS,
        "partial_update": Action.MANAGE_AUDITS, "import_requests": Action.MANAGE_AUDITS,
        "submit": Action.MANAGE_AUDITS, "add_answer": Action.CHANGE, "upload": Action.CHANGE,
        "remove_answer": Action.CHANGE, "mark_answered": Action.CHANGE,
    }

    def required_action(self):
        if self.action == "messages" and self.request.method == "POST":
            return Action.CHANGE
        return super().required_action()

    def target_organizations(self, request) -> set[int]:
        engagements = access.scope(Engagement.objects.all(), request.user, Action.VIEW)
        return set(engagements.filter(pk__in=named_ids(request.data, "engagement"))
                   .values_list("organization_id", flat=True))

    def _detail(self, evidence_request, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=evidence_request.pk)
        return Response(EvidenceRequestSerializer(fresh, context=self.get_serializer_context())
                        .data, status=code)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        created = services.create_request(self.request.user, data.pop("engagement"), data)
        serializer.instance = self.get_queryset().get(pk=created.pk)

    def perform_update(self, serializer):
        changed = services.update_request(self.request.user, serializer.instance,
                                          dict(serializer.validated_data))
        serializer.instance = self.get_queryset().get(pk=changed.pk)

    @extend_schema(request=AnswerLinkSerializer, responses={201: EvidenceRequestSerializer})
    @action(detail=True, methods=["post"], url_path="answers")
    def add_answer(self, request, pk=None):
        """Answer with an evidence item of the structure (not shown to the auditor until a
        quality manager submits it)."""
        evidence_request = self.get_object()
        body = AnswerLinkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        evidence = access.scope(EvidenceItem.objects.filter(pk=body.validated_data["evidence"]),
                                request.user).first()
        if evidence is None:
            raise NotFound()
        services.add_answer(request.user, evidence_request, evidence)
        return self._detail(evidence_request, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: EvidenceRequestSerializer})
    @action(detail=True, methods=["delete"], url_path=r"answers/(?P<answer_id>[0-9]{1,18})")
    def remove_answer(self, request, pk=None, answer_id=None):
        """Withdraw an answer not submitted yet."""
        evidence_request = self.get_object()
        answer = evidence_request.answers.filter(pk=answer_id).first()
        if answer is None:
            raise NotFound()
        services.remove_answer(request.user, answer)
        return self._detail(evidence_request)

    @extend_schema(request={"multipart/form-data": UploadFieldsSerializer},
                   responses={201: EvidenceRequestSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def upload(self, request, pk=None):
        """New evidence for this request: the files uploaded as a new item (the fields of
        `evidence/`), linked to the request's requirements and given as an answer."""
        evidence_request = self.get_object()
        data = QueryDict(mutable=True)
        for key in request.data:
            if key != "files":
                data.setlist(key, request.data.getlist(key))
        data["organization"] = str(evidence_request.engagement.organization_id)
        fields = EvidenceSerializer(data=data, context=self.get_serializer_context())
        fields.is_valid(raise_exception=True)
        upload_fields = UploadFieldsSerializer(data=request.data)
        upload_fields.is_valid(raise_exception=True)
        item = dict(fields.validated_data)
        item.pop("organization")
        services.answer_with_upload(request.user, evidence_request, item,
                                    request.FILES.getlist("files"),
                                    note=upload_fields.validated_data["note"])
        return self._detail(evidence_request, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: EvidenceRequestSerializer})
    @action(detail=True, methods=["post"], url_path="mark-answered")
    def mark_answered(self, request, pk=None):
        """The answer is complete, ready for a quality manager to submit."""
        return self._detail(services.mark_answered(request.user, self.get_object()))

    @extend_schema(request=None, responses={200: EvidenceRequestSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Show the new answers to the auditor."""
        return self._detail(services.submit(request.user, self.get_object()))

    @extend_schema(methods=["GET"], parameters=[THREAD],
                   responses={200: MessageSerializer(many=True)})
    @extend_schema(methods=["POST"], request=MessageSerializer,
                   responses={201: MessageSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def messages(self, request, pk=None):
        """A thread of the request: `auditor` (with the auditor; the structure writes there
        through its quality managers) or `internal` (members only)."""
        evidence_request = self.get_object()
        if request.method != "POST":
            thread = request.query_params.get("thread", Thread.AUDITOR)
            rows = threads.thread_messages(request.user, evidence_request, thread)
            return Response(MessageSerializer(rows, many=True).data)
        body = MessageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        message = threads.post_message(request.user, evidence_request,
                                       body.validated_data["thread"], body.validated_data["body"])
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": RequestImportSerializer},
                   responses={201: EvidenceRequestSerializer(many=True)})
    @action(detail=False, methods=["post"], url_path="import", pagination_class=None)
    def import_requests(self, request):
        """Import an audit's requests from a CSV or XLSX file: every problem of every row
        reported with its line, nothing imported when there is one."""
        body = RequestImportSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        engagement = body.validated_data["engagement"]
        services.asker_origin(request.user, engagement)
        rows = imports.read_upload(body.validated_data["file"], engagement)
        created = imports.import_requests(request.user, engagement, rows)
        fresh = self.get_queryset().filter(pk__in=[item.pk for item in created])
        return Response(EvidenceRequestSerializer(fresh, many=True,
                                                  context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)
