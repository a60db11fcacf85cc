from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audit_prep.api.fields import (
    MULTILINE,
    CreateOnlyFieldsMixin,
    ScopedPrimaryKeyField,
    username_field,
)
from audit_prep.i18n import active_language
from audit_prep.models import Organization
from evidence.models import EvidenceItem
from populations.models import PopulationKind

from ..models import (
    Adoption,
    EvidenceLink,
    Exclusion,
    ReadinessSnapshot,
    Referential,
    Requirement,
)
from ..services.checklist import DOCUMENTED_INFORMATION, documented_information_code


class ReferentialSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    requirement_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Referential
        fields = ["id", "urn", "code", "version", "revision", "ref_id", "name", "name_fr",
                  "name_en", "description_fr", "description_en", "kind", "is_template",
                  "publisher", "sources", "notes", "organization", "requirement_count"]
        read_only_fields = fields

    def get_name(self, obj) -> str:
        return getattr(obj, f"name_{active_language()}")


class RequirementSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    documented_information_code = serializers.SerializerMethodField()
    documented_information_label = serializers.SerializerMethodField()

    class Meta:
        model = Requirement
        fields = ["id", "referential", "organization", "urn", "parent", "ref_id", "order",
                  "depth", "name", "name_fr", "name_en", "name_is_descriptive", "description_fr",
                  "description_en", "typical_evidence", "documented_information",
                  "documented_information_code", "documented_information_label",
                  "conditional", "renewal_months", "renewal_basis", "assessable", "excludable",
                  "per_member", "retired_at"]
        read_only_fields = fields

    def get_name(self, obj) -> str:
        return getattr(obj, f"name_{active_language()}")

    def get_documented_information_code(self, obj) -> str:
        return documented_information_code(obj.documented_information)

    def get_documented_information_label(self, obj) -> str:
        return str(DOCUMENTED_INFORMATION[documented_information_code(
            obj.documented_information)])


class OwnRequirementSerializer(serializers.Serializer):
    """A requirement of the structure's own list or, with `referential`, one the structure adds
    under the nodes of a template it follows (CEDRE, CAP...)."""

    organization = ScopedPrimaryKeyField(Organization)
    referential = ScopedPrimaryKeyField(
        Referential, required=False, allow_null=True,
        help_text=_("A template the structure follows, to complete it; empty: the structure's "
                    "own list."))
    ref_id = serializers.CharField(max_length=60)
    name_fr = serializers.CharField(max_length=300)
    name_en = serializers.CharField(max_length=300, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, default="",
                                        style=MULTILINE)
    documented_information = serializers.ListField(
        child=serializers.ChoiceField(choices=["maintain", "retain"]), required=False,
        default=list, max_length=2)
    renewal_months = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                              max_value=600)
    per_member = serializers.ChoiceField(
        choices=["", *PopulationKind.values], required=False,
        help_text=_("The population whose every member needs evidence (empty: one piece of "
                    "evidence for the structure)."))
    # Not Field.parent: DRF's metaclass moves declared fields out of the class attributes; the
    # stub cannot see it.
    parent = serializers.CharField(  # type: ignore[assignment]
        max_length=60, required=False, allow_blank=True)


class RequirementListImportSerializer(serializers.Serializer):
    organization = ScopedPrimaryKeyField(Organization)
    referential = ScopedPrimaryKeyField(
        Referential, required=False, allow_null=True,
        help_text=_("A template the structure follows, to complete it; empty: the structure's "
                    "own list."))
    file = serializers.FileField()


class ReadinessSerializer(serializers.Serializer):
    score = serializers.FloatField(allow_null=True,
                                   help_text=_("percent, one decimal (8.4 for 8.4 %)"))
    counts = serializers.DictField(child=serializers.IntegerField())
    computed_at = serializers.DateTimeField()
    up_to_date = serializers.BooleanField()


class AdoptionSerializer(CreateOnlyFieldsMixin, serializers.ModelSerializer):
    create_only_fields = ("organization", "referential")
    organization = ScopedPrimaryKeyField(Organization)
    referential = ScopedPrimaryKeyField(Referential)
    referential_name = serializers.SerializerMethodField()
    readiness = serializers.SerializerMethodField()

    class Meta:
        model = Adoption
        fields = ["id", "organization", "referential", "referential_name", "target_audit_date",
                  "warning_days", "adopted_at", "readiness"]
        read_only_fields = ["adopted_at"]
        validators = ()  # the service answers a second adoption with "already_adopted"

    def get_referential_name(self, obj) -> str:
        return getattr(obj.referential, f"name_{active_language()}")

    @extend_schema_field(ReadinessSerializer(allow_null=True))
    def get_readiness(self, obj) -> dict | None:
        """The latest readiness the workers computed for today (None before the first), and
        whether a change is still to be counted in."""
        computed_at = getattr(obj, "readiness_computed_at", None)
        if computed_at is None:
            return None
        return ReadinessSerializer({
            "score": obj.readiness_score, "counts": obj.readiness_counts,
            "computed_at": computed_at, "up_to_date": obj.readiness_dirty_since is None}).data

    def validate_warning_days(self, value):
        if not 0 <= value <= 365:
            raise serializers.ValidationError(_("Between 0 and 365 days."), code="out_of_range")
        return value

    def validate_target_audit_date(self, value):
        from ..services.tailoring import check_reference_date

        if value is not None:
            check_reference_date(value)
        return value


class ExclusionSerializer(CreateOnlyFieldsMixin, serializers.ModelSerializer):
    create_only_fields = ("organization", "requirement")
    organization = ScopedPrimaryKeyField(Organization)
    requirement = ScopedPrimaryKeyField(Requirement)
    requirement_ref_id = serializers.CharField(source="requirement.ref_id", read_only=True)
    allowed = serializers.SerializerMethodField(
        help_text=_("false for an exclusion recorded before its referential refused it: kept, "
                    "not applied, to withdraw"))
    decided_by = username_field()

    class Meta:
        model = Exclusion
        fields = ["id", "organization", "requirement", "requirement_ref_id", "justification",
                  "allowed", "decided_by", "decided_at"]
        read_only_fields = ["decided_at"]
        validators = ()

    def get_allowed(self, obj) -> bool:
        from ..services.tailoring import exclusion_allowed

        return exclusion_allowed(obj.requirement)


class LinkSerializer(serializers.ModelSerializer):
    evidence = ScopedPrimaryKeyField(EvidenceItem)
    requirement = ScopedPrimaryKeyField(Requirement)
    requirement_ref_id = serializers.CharField(source="requirement.ref_id", read_only=True)
    created_by = username_field()

    class Meta:
        model = EvidenceLink
        fields = ["id", "evidence", "requirement", "requirement_ref_id", "note", "created_by",
                  "created_at"]
        read_only_fields = ["created_at"]
        validators = ()


class BulkLinkSerializer(serializers.Serializer):
    evidence = serializers.ListField(child=ScopedPrimaryKeyField(EvidenceItem), min_length=1,
                                     max_length=500)
    requirements = serializers.ListField(child=ScopedPrimaryKeyField(Requirement),
                                         min_length=1, max_length=500)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="",
                                 style=MULTILINE)


class BulkLinkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text=_("links created (those that existed are kept)"))


class RequirementImportResultSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    changed = serializers.IntegerField()
    rows = serializers.IntegerField()


class ChecklistQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text=_(
        "Reference date (today by default; the target audit date to look ahead)."))
    order = serializers.ChoiceField(
        choices=["clause", "priority"], default="clause", help_text=_(
            "clause: the referential's order of requirements (the default, as an auditor "
            "follows it); priority: by status, the worst first, requirements asking for "
            "documented information first within a status."))

    def validate_date(self, value):
        from ..services.tailoring import check_reference_date

        return check_reference_date(value)


class SnapshotSerializer(serializers.ModelSerializer):
    score = serializers.FloatField(allow_null=True, read_only=True,
                                   help_text=_("percent, one decimal (8.4 for 8.4 %)"))

    class Meta:
        model = ReadinessSnapshot
        fields = ["id", "organization", "referential", "reference_date", "taken_at", "score",
                  "counts", "chapters", "gates"]
        read_only_fields = fields
