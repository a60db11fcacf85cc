import tempfile

from django.db.models import Count, Q
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from audit_prep import access, audit
from audit_prep.api.filters import id_filterset
from audit_prep.api.schema import file_responses, path_choice
from audit_prep.api.viewsets import ScopedViewSet, named_ids
from audit_prep.models import Organization
from audit_prep.roles import Action
from evidence.models import EvidenceItem

from .. import exports, requirement_lists
from ..models import Adoption, EvidenceLink, Exclusion, Referential, Requirement
from ..services import checklist, links, master_list, own_requirements, snapshots, tailoring
from ..services.readiness_state import latest_readiness
from .checklist_schema import ChecklistSerializer
from .serializers import (
    AdoptionSerializer,
    BulkLinkResultSerializer,
    BulkLinkSerializer,
    ChecklistQuerySerializer,
    ExclusionSerializer,
    LinkSerializer,
    OwnRequirementSerializer,
    ReferentialSerializer,
    RequirementImportResultSerializer,
    RequirementListImportSerializer,
    RequirementSerializer,
    SnapshotSerializer,
)


def export_format(exporters) -> OpenApiParameter:
    return path_choice("fmt", exporters, _("The file format."))


def export_responses(exporters) -> dict:
    return file_responses([content_type for _writer, content_type, _ext in exporters.values()],
                          _("The export, as an attachment."))


class ReferentialViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The referential library, and your structures' own lists."""

    queryset = Referential.objects.annotate(
        requirement_count=Count("requirements", filter=Q(requirements__retired_at__isnull=True,
                                                         requirements__organization__isnull=True))
    ).order_by("code", "version")  # counts the referential's own rows, never a structure's
    serializer_class = ReferentialSerializer
    filterset_class = id_filterset(Referential, id_fields=["organization"],
                                   fields=["code", "kind"])


class RequirementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         mixins.DestroyModelMixin, ScopedViewSet):
    """Requirements of the referentials; quality managers add their structure's own, to its
    own list or under the nodes of a template it follows, and withdraw them."""

    queryset = Requirement.objects.order_by("referential_id", "order")
    serializer_class = RequirementSerializer
    filterset_class = id_filterset(Requirement, id_fields=["referential", "parent"],
                                   fields=["assessable", "ref_id"])
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    action_permissions = {"create": Action.MANAGE_REFERENTIALS,
                          "import_list": Action.MANAGE_REFERENTIALS,
                          "destroy": Action.MANAGE_REFERENTIALS}

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.query_params.get("include_retired") != "true":
            queryset = queryset.filter(retired_at__isnull=True)
        return queryset

    @extend_schema(request=OwnRequirementSerializer, responses={201: RequirementSerializer})
    def create(self, request):
        serializer = OwnRequirementSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        requirement = own_requirements.add_validated(request.user, serializer.validated_data)
        return Response(RequirementSerializer(requirement).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        own_requirements.retire_requirement(self.request.user, instance)

    @extend_schema(request={"multipart/form-data": RequirementListImportSerializer},
                   responses={201: RequirementImportResultSerializer})
    @action(detail=False, methods=["post"], url_path="import")
    def import_list(self, request):
        """Import the structure's own requirements from a CSV or XLSX list."""
        serializer = RequirementListImportSerializer(data=request.data,
                                                     context={"request": request})
        serializer.is_valid(raise_exception=True)
        organization = serializer.validated_data["organization"]
        rows = requirement_lists.read_upload(serializer.validated_data["file"])
        added, changed = own_requirements.upsert_own_requirements(
            request.user, organization, rows, serializer.validated_data.get("referential"))
        return Response({"added": added, "changed": changed, "rows": len(rows)},
                        status=status.HTTP_201_CREATED)


class AdoptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      mixins.UpdateModelMixin, ScopedViewSet):
    """Referentials your structures follow, with their readiness checklist."""

    queryset = Adoption.objects.select_related("organization", "referential")
    serializer_class = AdoptionSerializer
    filterset_class = id_filterset(Adoption, id_fields=["organization", "referential"])
    action_permissions = {"create": Action.MANAGE_REFERENTIALS,
                          "update": Action.MANAGE_REFERENTIALS,
                          "partial_update": Action.MANAGE_REFERENTIALS,
                          "snapshots": Action.VIEW, "take_snapshot": Action.CHANGE}

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action in ("list", "retrieve", "update", "partial_update"):
            queryset = queryset.annotate(**latest_readiness())  # shown with each adoption
        return queryset

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = tailoring.adopt(
            self.request.user, data["organization"], data["referential"],
            data.get("target_audit_date"), data.get("warning_days", 30))

    def perform_update(self, serializer):
        updated = tailoring.update_adoption(
            self.request.user, serializer.instance, dict(serializer.validated_data))
        serializer.instance = self.get_queryset().get(pk=updated.pk)  # with its readiness

    def _query(self):
        query = ChecklistQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data

    @extend_schema(parameters=[ChecklistQuerySerializer], responses=ChecklistSerializer)
    @action(detail=True, methods=["get"])
    def checklist(self, request, pk=None):
        """Readiness at a date (today by default; the audit date to look ahead)."""
        adoption = self.get_object()
        query = self._query()
        return Response(checklist.build(adoption, query.get("date"), query["order"]))

    @extend_schema(parameters=[ChecklistQuerySerializer, export_format(exports.EXPORTERS)],
                   responses=export_responses(exports.EXPORTERS))
    @action(detail=True, methods=["get"],
            url_path=rf"checklist/export/(?P<fmt>{'|'.join(exports.EXPORTERS)})")
    def export(self, request, pk=None, fmt=None):
        """The checklist as XLSX, PDF or CSV, with the statement of applicability and every
        linked evidence item (reference, revision, validity, hash, link)."""
        adoption = self.get_object()
        query = self._query()
        data = checklist.build(adoption, query.get("date"), query["order"], evidence_limit=None)
        writer, content_type, _extension = exports.EXPORTERS[fmt]
        response = HttpResponse(content_type=content_type)
        writer(data, response)
        response["Content-Disposition"] = f'attachment; filename="{exports.filename(data, fmt)}"'
        if request.method != "HEAD":  # a HEAD transfers nothing: not an export
            audit.record(request.user, "checklist.export", adoption,
                         after={"format": fmt, "reference_date": data["reference_date"]})
        return response

    @extend_schema(responses=SnapshotSerializer(many=True))
    @action(detail=True, methods=["get"])
    def snapshots(self, request, pk=None):
        """The readiness trend: stored snapshots, newest first."""
        adoption = self.get_object()
        from ..models import ReadinessSnapshot

        page = self.paginate_queryset(ReadinessSnapshot.objects.filter(
            organization_id=adoption.organization_id, referential_id=adoption.referential_id))
        return self.get_paginated_response(SnapshotSerializer(page, many=True).data)

    @extend_schema(request=None, parameters=[OpenApiParameter("date", str)],
                   responses={201: SnapshotSerializer})
    @snapshots.mapping.post
    def take_snapshot(self, request, pk=None):
        adoption = self.get_object()
        query = self._query()
        snapshot = snapshots.take(request.user, adoption, query.get("date"))
        return Response(SnapshotSerializer(snapshot).data, status=status.HTTP_201_CREATED)


class ExclusionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       mixins.UpdateModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Requirements declared not applicable, each with its justification."""

    queryset = Exclusion.objects.select_related("requirement__referential", "decided_by")
    serializer_class = ExclusionSerializer
    filterset_class = id_filterset(Exclusion, id_fields=["organization", "requirement"])
    action_permissions = {action: Action.MANAGE_REFERENTIALS
                          for action in ("create", "update", "partial_update", "destroy")}

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = tailoring.exclude(self.request.user, data["organization"],
                                                data["requirement"], data["justification"])

    def perform_update(self, serializer):
        exclusion = serializer.instance
        serializer.instance = tailoring.exclude(
            self.request.user, exclusion.organization, exclusion.requirement,
            serializer.validated_data.get("justification", exclusion.justification))

    def perform_destroy(self, instance):
        tailoring.include(self.request.user, instance)


class LinkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  mixins.DestroyModelMixin, ScopedViewSet):
    """Evidence tagged against requirements."""

    queryset = EvidenceLink.objects.select_related("requirement", "created_by", "evidence")
    serializer_class = LinkSerializer
    filterset_class = id_filterset(EvidenceLink, id_fields=["evidence", "requirement"])
    action_permissions = {"create": Action.CHANGE, "destroy": Action.CHANGE,
                          "bulk": Action.CHANGE}

    def target_organizations(self, request) -> set[int]:
        """A link belongs to its evidence's structure: those of the evidence ids it names."""
        evidence = access.scope(EvidenceItem.objects.all(), request.user, Action.VIEW)
        return set(evidence.filter(pk__in=named_ids(request.data, "evidence"))
                   .values_list("organization_id", flat=True))

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = links.link_one(self.request.user, data["evidence"],
                                             data["requirement"], data.get("note", ""))

    def perform_destroy(self, instance):
        links.unlink(self.request.user, instance)

    @extend_schema(request=BulkLinkSerializer, responses={201: BulkLinkResultSerializer})
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Tag several evidence items against several requirements at once."""
        serializer = BulkLinkSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        created = links.link_many(request.user, data["evidence"], data["requirements"],
                                  data["note"])
        return Response({"created": len(created)}, status=status.HTTP_201_CREATED)


# Exports up to this size stay in memory; larger ones are spooled to a temporary file.
_SPOOL_BYTES = 8 * 1024 * 1024


class DocumentedInformationViewSet(ScopedViewSet):
    """The master list of documented information of a structure (ISO 9001 7.5.3)."""

    queryset = Organization.objects.all()

    @extend_schema(parameters=[export_format(exports.MASTER_LIST_EXPORTERS)],
                   responses=export_responses(exports.MASTER_LIST_EXPORTERS))
    @action(detail=True, methods=["get"],
            url_path=rf"export/(?P<fmt>{'|'.join(exports.MASTER_LIST_EXPORTERS)})")
    def export(self, request, pk=None, fmt=None):
        """Every document to maintain and record to retain of the structure that is not
        archived, with its reference, current revision and hash, owner, approval, effective
        date, next review or end of validity and linked requirements, as XLSX or PDF (in the
        language of the request)."""
        organization = self.get_object()
        data = master_list.master_list(organization)
        writer, content_type, _extension = exports.MASTER_LIST_EXPORTERS[fmt]
        spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
        writer(data, spool)
        spool.seek(0)
        name = exports.master_list_filename(organization, data.reference_date, fmt)
        if request.method != "HEAD":  # a HEAD transfers nothing: not an export
            audit.record(request.user, "documented_information.export", organization,
                         after={"format": fmt, "reference_date": data.reference_date})
        return FileResponse(spool, as_attachment=True, filename=name, content_type=content_type)
