"""The API of suggested tags (decision 0032): an item's suggestions, accepting or dismissing
one, and the acceptance figures for quality managers. Thin views over `services` and `stats`,
authorized by the scoped base viewset (`access`): whoever may see the item sees its
suggestions; whoever may change it (link it) decides."""

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from audit_prep import access
from audit_prep.api.filters import MAX_ID
from audit_prep.api.schema import refusal
from audit_prep.api.viewsets import ScopedViewSet
from audit_prep.roles import Action
from evidence.models import EvidenceItem

from ..models import Adoption, Requirement, TagSuggestion
from . import matching, services, stats

NOT_SUGGESTED = refusal(_(
    "The requirement is not a pending suggestion for this item (not_suggested), or the link "
    "is refused (evidence_archived, requirement_not_adopted…)."))


def _name(requirement) -> str:
    return (requirement.name_en if get_language() == "en" and requirement.name_en
            else requirement.name_fr)


class SuggestionSerializer(serializers.Serializer):
    requirement = serializers.IntegerField(source="requirement.pk")
    referential = serializers.CharField(source="requirement.referential.ref_id",
                                        help_text=_("How the referential is cited."))
    ref_id = serializers.CharField(source="requirement.ref_id")
    name = serializers.SerializerMethodField(help_text=_("The requirement's name."))
    rank = serializers.IntegerField(help_text=_("Rank within its referential, from 1."))
    score = serializers.FloatField(help_text=_("Relevance (higher is better)."))
    words = serializers.ListField(child=serializers.CharField(), help_text=_(
        "The words of the item that matched most, as written."))
    recorded = serializers.BooleanField(help_text=_(
        "Recorded as shown to you (you may accept or dismiss it)."))

    def get_name(self, suggestion) -> str:
        return _name(suggestion.requirement)


class SuggestionsSerializer(serializers.Serializer):
    may_decide = serializers.BooleanField(help_text=_(
        "Whether you may accept or dismiss them (you may link this item)."))
    results = SuggestionSerializer(many=True)


class TagSuggestionSerializer(serializers.ModelSerializer):
    decided_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True)
    source = serializers.CharField(read_only=True, help_text=_(  # type: ignore[assignment]
        "Where it was shown: item (on the evidence item) or requirement (on a missing "
        "requirement)."))

    class Meta:
        model = TagSuggestion
        fields = ["id", "evidence", "requirement", "source", "rank", "score", "words",
                  "shown_at", "decision", "decided_by", "decided_at"]
        read_only_fields = fields


class RatesSerializer(serializers.Serializer):
    shown = serializers.IntegerField()
    accepted = serializers.IntegerField()
    dismissed = serializers.IntegerField()
    pending = serializers.IntegerField()
    acceptance_rate = serializers.FloatField(allow_null=True, help_text=_(
        "Accepted among the decided, in percent (null before any decision)."))


class RankRatesSerializer(RatesSerializer):
    rank = serializers.CharField(help_text=_("1, 2, 3 or 4+"))


class SourceRatesSerializer(RatesSerializer):
    # Not Field.source: DRF's metaclass moves declared fields out of the class attributes.
    # A plain string in the schema: an enum would collide with the files' text `source`.
    source = serializers.CharField(  # type: ignore[assignment]
        help_text=_(
        "Where they were shown: item (on the evidence item) or requirement (on a missing "
        "requirement)."))


class StructureRatesSerializer(RatesSerializer):
    organization = serializers.IntegerField()
    name = serializers.CharField()


class AcceptanceSerializer(serializers.Serializer):
    overall = RatesSerializer()
    by_rank = RankRatesSerializer(many=True)
    by_source = SourceRatesSerializer(many=True)
    structures = StructureRatesSerializer(many=True)


class EvidenceSuggestionViewSet(ScopedViewSet):
    """Suggested tags of an evidence item: requirements of the referentials its structure
    follows that best match its title, tags, description and files' text, with the words that
    matched. Only proposed: accept one to link it, or dismiss it."""

    queryset = EvidenceItem.objects.all()
    action_permissions = {"suggestions": Action.VIEW, "accept": Action.CHANGE,
                          "dismiss": Action.CHANGE}
    filter_backends: list = []  # nothing to filter, order or page
    pagination_class = None

    @extend_schema(responses=SuggestionsSerializer)
    @action(detail=True, methods=["get"])
    def suggestions(self, request, pk=None):
        item = self.get_object()
        found = services.for_item(request.user, item)
        return Response(SuggestionsSerializer({
            "may_decide": services.may_decide(request.user, item), "results": found}).data)

    @extend_schema(request=None, responses={200: TagSuggestionSerializer, 400: NOT_SUGGESTED})
    @action(detail=True, methods=["post"],
            url_path=r"suggestions/(?P<requirement_id>[0-9]+)/accept")
    def accept(self, request, pk=None, requirement_id=None):
        """Link the item to this suggested requirement (as `POST /links/` does)."""
        suggestion = services.accept(request.user, self.get_object(), int(requirement_id))
        return Response(TagSuggestionSerializer(suggestion).data)

    @extend_schema(request=None, responses={200: TagSuggestionSerializer, 400: NOT_SUGGESTED})
    @action(detail=True, methods=["post"],
            url_path=r"suggestions/(?P<requirement_id>[0-9]+)/dismiss")
    def dismiss(self, request, pk=None, requirement_id=None):
        """This requirement does not fit: it is not suggested for this item again."""
        suggestion = services.dismiss(request.user, self.get_object(), int(requirement_id))
        return Response(TagSuggestionSerializer(suggestion).data)


class SuggestionViewSet(ScopedViewSet):
    """Suggested tags across your structures."""

    queryset = TagSuggestion.objects.all()
    action_permissions = {"acceptance": None}
    filter_backends: list = []
    pagination_class = None

    @extend_schema(responses=AcceptanceSerializer)
    @action(detail=False, methods=["get"])
    def acceptance(self, request):
        """How suggested tags fare in the structures whose referentials you manage (quality
        managers): shown, accepted, dismissed, the acceptance rate overall, by rank and per
        structure."""
        return Response(AcceptanceSerializer(stats.for_quality_managers(request.user)).data)


class EvidenceMatchSerializer(serializers.Serializer):
    evidence = serializers.IntegerField(source="item.pk")
    reference = serializers.CharField(source="item.reference")
    title = serializers.CharField(source="item.title")
    status = serializers.CharField(source="item.status")
    rank = serializers.IntegerField(help_text=_("Rank, from 1."))
    score = serializers.FloatField(help_text=_("The search's relevance (higher is better)."))
    words = serializers.ListField(child=serializers.CharField(), help_text=_(
        "The words of the item that the requirement asks for, as written in the item."))
    recorded = serializers.BooleanField(help_text=_(
        "Recorded as shown to you (you may accept or dismiss it on the item)."))


class MatchingEvidenceViewSet(ScopedViewSet):
    """For a requirement of a checklist, the structure's existing evidence that best matches
    it (not yet linked to it), found by the full-text search with the requirement's words;
    accept one with the item's suggestion routes."""

    queryset = Adoption.objects.all()
    action_permissions = {"matching_evidence": Action.VIEW}
    filter_backends: list = []  # a list of at most a few items: nothing to filter or page
    pagination_class = None

    @extend_schema(responses=EvidenceMatchSerializer(many=True))
    @action(detail=True, methods=["get"], url_path=r"requirements/(?P<requirement_id>[0-9]+)/"
                                                   r"matching-evidence")
    def matching_evidence(self, request, pk=None, requirement_id=None):
        adoption = self.get_object()
        if int(requirement_id) > MAX_ID:
            raise NotFound()
        requirement = access.scope(Requirement.objects.filter(
            pk=requirement_id, referential_id=adoption.referential_id), request.user).first()
        if requirement is None:
            raise NotFound()
        found = matching.for_requirement(request.user, adoption.organization_id, requirement)
        return Response(EvidenceMatchSerializer(found, many=True).data)
