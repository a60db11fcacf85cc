from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from audit_prep import access
from audit_prep.api.filters import id_filterset
from audit_prep.api.viewsets import ScopedViewSet, named_ids
from audit_prep.roles import Action
from evidence.models import EvidenceItem

from ..member_files import read_upload
from ..models import EvidenceMember, Member, Population
from ..services import evidence_members, members
from .serializers import (
    PSEUDONYMOUS,
    EvidenceMemberSerializer,
    ImportResultSerializer,
    MemberImportSerializer,
    MemberSerializer,
    PopulationSerializer,
    SetMembersSerializer,
)


class PopulationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.CreateModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """The populations your structures keep (one per kind), whose requirements count member by
    member."""

    queryset = Population.objects.annotate(member_count=Count("members")).order_by(
        "organization_id", "kind")
    serializer_class = PopulationSerializer
    filterset_class = id_filterset(Population, id_fields=["organization"], fields=["kind"])
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    action_permissions = {"create": Action.MANAGE_ORGANIZATION,
                          "destroy": Action.MANAGE_ORGANIZATION,
                          "import_members": Action.CHANGE}

    def perform_create(self, serializer):
        data = serializer.validated_data
        population = members.create_population(self.request.user, data["organization"],
                                               data["kind"])
        serializer.instance = self.get_queryset().get(pk=population.pk)

    def perform_destroy(self, instance):
        members.delete_population(self.request.user, instance)

    @extend_schema(request={"multipart/form-data": MemberImportSerializer},
                   responses={201: ImportResultSerializer}, description=str(PSEUDONYMOUS))
    @action(detail=True, methods=["post"], url_path="import")
    def import_members(self, request, pk=None):
        """Import members from a CSV or XLSX file: added or updated by reference, those the
        file does not list kept; every problem of every row reported, nothing imported."""
        population = self.get_object()
        serializer = MemberImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rows = read_upload(serializer.validated_data["file"])
        result = members.import_members(request.user, population, rows)
        return Response(result.as_dict(), status=status.HTTP_201_CREATED)


class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.UpdateModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Members of the populations: an internal reference and initials, never a name."""

    queryset = Member.objects.select_related("population").order_by("population_id",
                                                                     "reference")
    serializer_class = MemberSerializer
    filterset_class = id_filterset(Member, id_fields=["population"], fields=["reference"])

    def target_organizations(self, request) -> set[int]:
        populations = access.scope(Population.objects.all(), request.user, Action.VIEW)
        return set(populations.filter(pk__in=named_ids(request.data, "population"))
                   .values_list("organization_id", flat=True))

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        population = data.pop("population")
        serializer.instance = members.create_member(self.request.user, population, data)

    def perform_update(self, serializer):
        serializer.instance = members.update_member(self.request.user, serializer.instance,
                                                    dict(serializer.validated_data))

    def perform_destroy(self, instance):
        members.delete_member(self.request.user, instance)


class EvidenceMemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The members each evidence item names; `set/` replaces them for one item."""

    queryset = EvidenceMember.objects.select_related("member__population").order_by(
        "evidence_id", "member_id")
    serializer_class = EvidenceMemberSerializer
    filterset_class = id_filterset(EvidenceMember, id_fields=["evidence", "member"])
    action_permissions = {"set_members": Action.CHANGE}

    def target_organizations(self, request) -> set[int]:
        evidence = access.scope(EvidenceItem.objects.all(), request.user, Action.VIEW)
        return set(evidence.filter(pk__in=named_ids(request.data, "evidence"))
                   .values_list("organization_id", flat=True))

    @extend_schema(request=SetMembersSerializer, responses={200: EvidenceMemberSerializer(
        many=True)})
    @action(detail=False, methods=["post"], url_path="set", pagination_class=None)
    def set_members(self, request):
        """Name exactly these members (of the evidence's structure) on an evidence item."""
        serializer = SetMembersSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        rows = evidence_members.set_members(request.user, data["evidence"], data["members"])
        return Response(EvidenceMemberSerializer(rows, many=True).data)
