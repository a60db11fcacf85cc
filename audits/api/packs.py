"""Sealed audit packs of your structures' audits: quality managers seal an audit (the ZIP is
then built by a worker), ask for a failed build again and for a re-verification of the seal;
members follow the build and download the ZIP once it is ready."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from audit_prep import access
from audit_prep.api.fields import ScopedPrimaryKeyField
from audit_prep.api.filters import id_filterset
from audit_prep.api.schema import file_responses, refusal
from audit_prep.api.viewsets import ScopedViewSet, named_ids
from audit_prep.roles import Action

from ..models import AuditPack, Engagement
from ..packs import services
from ..packs.serving import ZIP_TYPE, pack_response


class ProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField(help_text=_("Bytes of evidence written into the ZIP."))
    total = serializers.IntegerField()
    files_done = serializers.IntegerField()
    files_total = serializers.IntegerField()
    percent = serializers.IntegerField()


class AuditPackSerializer(serializers.ModelSerializer):
    engagement = ScopedPrimaryKeyField(Engagement)
    sealed_by = serializers.CharField(source="sealed_by.get_username", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    verification_label = serializers.CharField(source="get_verification_display",
                                               read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = AuditPack
        fields = ["id", "engagement", "number", "audit_date", "seal", "sealed_by", "sealed_at",
                  "file_count", "total_bytes", "state", "state_label", "progress",
                  "failure_reason", "failure_detail", "archive_size", "archive_sha256",
                  "built_at", "verification", "verification_label", "verified_at",
                  "verification_report"]
        read_only_fields = [name for name in fields if name != "engagement"]

    @staticmethod
    def progress_of(pack: AuditPack) -> dict:
        total = pack.progress_total
        return {"done": pack.progress_done, "total": total, "files_done": pack.files_done,
                "files_total": pack.file_count,
                "percent": 100 if pack.state == "ready" or not total
                else min(100, pack.progress_done * 100 // total)}

    def get_progress(self, obj) -> ProgressSerializer:
        return self.progress_of(obj)  # type: ignore[return-value]


class AuditPackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       mixins.CreateModelMixin, ScopedViewSet):
    """Sealed packs: POST seals an audit now (its manifest at the audit date, SHA-256 seal);
    the ZIP is built by a worker (`state`, `progress`), then downloaded."""

    queryset = (AuditPack.objects.select_related("engagement__organization", "sealed_by")
                .order_by("-sealed_at", "-id"))
    serializer_class = AuditPackSerializer
    filterset_class = id_filterset(AuditPack, id_fields=["engagement"])
    action_permissions = {"create": Action.MANAGE_AUDITS, "verify": Action.MANAGE_AUDITS,
                          "rebuild": Action.MANAGE_AUDITS, "download": Action.DOWNLOAD}

    def target_organizations(self, request) -> set[int]:
        """A pack belongs to its audit's structure."""
        engagements = access.scope(Engagement.objects.all(), request.user, Action.VIEW)
        return set(engagements.filter(pk__in=named_ids(request.data, "engagement"))
                   .values_list("organization_id", flat=True))

    def perform_create(self, serializer):
        pack = services.seal(self.request.user, serializer.validated_data["engagement"])
        serializer.instance = self.get_queryset().get(pk=pack.pk)

    def _answer(self, pack: AuditPack, code=status.HTTP_202_ACCEPTED):
        return Response(self.get_serializer(self.get_queryset().get(pk=pack.pk)).data,
                        status=code)

    @extend_schema(request=None, responses={202: AuditPackSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """Re-verify the seal against the store, in a worker (`verification`,
        `verification_report`: the altered and missing files by their path in the pack)."""
        return self._answer(services.request_verification(request.user, self.get_object()))

    @extend_schema(request=None, responses={202: AuditPackSerializer})
    @action(detail=True, methods=["post"])
    def rebuild(self, request, pk=None):
        """Build the ZIP of a pack whose build failed again, from the same sealed manifest."""
        return self._answer(services.rebuild(request.user, self.get_object()))

    @extend_schema(
        responses={**file_responses([ZIP_TYPE], _("The pack's ZIP (local disk).")),
                   302: OpenApiResponse(description=_(
                       "A redirect to a short-lived signed URL of the ZIP (S3).")),
                   409: refusal(_("The pack is not built yet (pack_not_ready)."))},
        parameters=[OpenApiParameter("X-Checksum-SHA256", str, OpenApiParameter.HEADER,
                                     response=[200], required=True,
                                     description=_("SHA-256 of the ZIP, hex.")),
                    OpenApiParameter("Location", str, OpenApiParameter.HEADER, response=[302],
                                     required=True, description=_("The signed URL."))])
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The pack's ZIP once built (local disk) or a redirect to a signed URL (S3)."""
        pack = self.get_object()
        services.record_download(request.user, pack, transfers=request.method != "HEAD")
        return pack_response(pack)
