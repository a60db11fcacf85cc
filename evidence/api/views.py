from django.db.models import Count, Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from audit_prep.api.schema import file_responses
from audit_prep.api.viewsets import ScopedViewSet
from audit_prep.roles import Action

from .. import services, serving
from ..filetypes import ALLOWED_TYPES
from ..models import EvidenceItem, Revision, StoredFile
from .filters import EvidenceFilter, RankedOrderingFilter, RevisionFilter, page_matches
from .serializers import (
    ArchiveSerializer,
    EvidenceResultSerializer,
    EvidenceSerializer,
    EvidenceWithWarningsSerializer,
    ReviewSerializer,
    RevisionSerializer,
    StoredFileSerializer,
    UploadFieldsSerializer,
    UploadSerializer,
    files_with_text_state,
    with_text_state,
)


def _uploads(request):
    return request.FILES.getlist("files")


class EvidenceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    mixins.UpdateModelMixin, ScopedViewSet,
):
    """Evidence items of the structures you belong to. Never deleted: archive them."""

    queryset = (
        EvidenceItem.objects.select_related("owner", "created_by", "approved_by", "archived_by")
        .prefetch_related(
            "tags",
            Prefetch(
                "revisions",
                queryset=Revision.objects.filter(is_current=True)
                .select_related("created_by")
                .prefetch_related(files_with_text_state()),
                to_attr="current_revisions",
            ),
        )
        .annotate(revision_count=Count("revisions", distinct=True))
        .order_by("-updated_at", "-id")
    )
    serializer_class = EvidenceSerializer
    filterset_class = EvidenceFilter
    filter_backends = [DjangoFilterBackend, RankedOrderingFilter]
    ordering_fields = ["title", "valid_until", "validity_end", "effective_date", "updated_at",
                       "created_at"]
    ordering = ["-updated_at", "-id"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    action_permissions = {
        "submit": Action.SUBMIT,
        "approve": Action.APPROVE,
        "archive": Action.ARCHIVE,
        "review": Action.APPROVE,
        "revisions": Action.VIEW,
        "upload_revision": Action.UPLOAD,
    }

    def get_serializer_class(self):
        return EvidenceResultSerializer if self.action == "list" else super().get_serializer_class()

    def list(self, request, *args, **kwargs):
        """Evidence items of your structures. With `q`, only those holding the words, best
        first unless `ordering` is given, each with where the words were found (`match`)."""
        items = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {**self.get_serializer_context(),
                   "search_matches": page_matches(items, request.query_params.get("q"))}
        return self.get_paginated_response(
            EvidenceResultSerializer(items, many=True, context=context).data)

    def _respond(self, evidence, status_code=status.HTTP_200_OK):
        evidence = self.get_queryset().get(pk=evidence.pk)
        return Response(self.get_serializer(evidence).data, status=status_code)

    def _respond_with_warnings(self, evidence, status_code):
        """The item and the warnings about it (the change is made: a warning refuses nothing)."""
        response = self._respond(evidence, status_code)
        response.data = {**response.data, "warnings": services.title_warnings(evidence)}
        return response

    @extend_schema(responses={201: EvidenceWithWarningsSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = UploadFieldsSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organization = data.pop("organization")
        evidence = services.create_evidence(
            request.user, organization, data, uploads=_uploads(request),
            note=upload.validated_data["note"],
            allow_duplicate=upload.validated_data["allow_duplicate"],
        )
        return self._respond_with_warnings(evidence, status.HTTP_201_CREATED)

    @extend_schema(responses={200: EvidenceWithWarningsSerializer})
    def update(self, request, *args, **kwargs):
        evidence = self.get_object()
        serializer = self.get_serializer(
            evidence, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        evidence = services.update_evidence(request.user, evidence, dict(serializer.validated_data))
        return self._respond_with_warnings(evidence, status.HTTP_200_OK)

    @extend_schema(responses={200: EvidenceWithWarningsSerializer})
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(request=None, responses=EvidenceSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._respond(services.submit_for_review(request.user, self.get_object()))

    @extend_schema(request=None, responses=EvidenceSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._respond(services.approve(request.user, self.get_object()))

    @extend_schema(request=ArchiveSerializer, responses=EvidenceSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        evidence = self.get_object()
        serializer = ArchiveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._respond(
            services.archive(request.user, evidence, serializer.validated_data["reason"])
        )

    @extend_schema(request=ReviewSerializer, responses=EvidenceSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Mark a document to maintain "reviewed, still valid" on a date, with a note (quality
        managers): its renewal periods run again from that date."""
        evidence = self.get_object()
        serializer = ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return self._respond(services.mark_reviewed(request.user, evidence, data["reviewed_on"],
                                                    data["note"]))

    @extend_schema(responses=RevisionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def revisions(self, request, pk=None):
        evidence = self.get_object()
        revisions = (
            evidence.revisions.select_related("created_by")
            .prefetch_related(files_with_text_state())
            .order_by("-number")
        )
        page = self.paginate_queryset(revisions)
        return self.get_paginated_response(RevisionSerializer(page, many=True).data)

    @extend_schema(request={"multipart/form-data": UploadSerializer},
                   responses={201: RevisionSerializer})
    @revisions.mapping.post
    def upload_revision(self, request, pk=None):
        evidence = self.get_object()
        upload = UploadFieldsSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        revision = services.add_revision(
            request.user, evidence, _uploads(request), note=upload.validated_data["note"],
            allow_duplicate=upload.validated_data["allow_duplicate"],
        )
        revision = Revision.objects.prefetch_related(files_with_text_state()).select_related(
            "created_by").get(pk=revision.pk)
        return Response(RevisionSerializer(revision).data, status=status.HTTP_201_CREATED)


class RevisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = Revision.objects.select_related("created_by").prefetch_related(
        files_with_text_state())
    serializer_class = RevisionSerializer
    filterset_class = RevisionFilter


class StoredFileViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = with_text_state(StoredFile.objects.all())
    serializer_class = StoredFileSerializer
    action_permissions = {"download": Action.DOWNLOAD}

    @extend_schema(
        responses={**file_responses(ALLOWED_TYPES, _("The file's bytes (local disk).")),
                   302: OpenApiResponse(description=_(
                       "A redirect to a short-lived signed URL of the file (S3)."))},
        parameters=[OpenApiParameter("X-Checksum-SHA256", str, OpenApiParameter.HEADER,
                                     response=[200], required=True,
                                     description=_("SHA-256 of the file, hex.")),
                    OpenApiParameter("Location", str, OpenApiParameter.HEADER, response=[302],
                                     required=True, description=_("The signed URL."))])
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The file's bytes (local disk) or a redirect to a short-lived signed URL (S3)."""
        stored = self.get_object()
        services.record_download(request.user, stored, transfers=request.method != "HEAD")
        return serving.file_response(stored)
