from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from audit_prep.api.fields import ScopedPrimaryKeyField
from audit_prep.models import Organization
from evidence.models import EvidenceItem

from ..models import EvidenceMember, Member, Population, PopulationKind

PSEUDONYMOUS = _("Members are pseudonymous: an internal reference and initials only, never a "
                 "name or any other personal data.")


class PopulationSerializer(serializers.ModelSerializer):
    organization = ScopedPrimaryKeyField(Organization)
    kind = serializers.ChoiceField(choices=PopulationKind.choices)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Population
        fields = ["id", "organization", "kind", "kind_label", "member_count", "created_at"]
        read_only_fields = ["created_at"]
        validators: list = []  # the service answers a second population of a kind (409)


class MemberSerializer(serializers.ModelSerializer):
    population = ScopedPrimaryKeyField(Population)
    reference = serializers.CharField(
        max_length=30, help_text=_("The structure's internal number for the member (not a "
                                   "social security number)."))
    initials = serializers.CharField(
        max_length=12, help_text=_("Initials only, e.g. \"AB\": never a name."))
    organization = serializers.IntegerField(source="population.organization_id", read_only=True)

    class Meta:
        model = Member
        fields = ["id", "population", "organization", "reference", "initials", "entry_date",
                  "exit_date", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []  # checked by the service, answered 409 when taken

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            self.fields["population"].read_only = True  # a member does not move


class MemberImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_(
        "CSV or XLSX: columns reference, initials, entry date, exit date (French headers "
        "accepted: référence, initiales, date d'entrée, date de sortie). No other column."))


class ImportResultSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    kept = serializers.IntegerField(help_text=_("Members the file does not list, kept as they "
                                                "are."))


class NamedMemberSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="population.kind", read_only=True)

    class Meta:
        model = Member
        fields = ["id", "kind", "reference", "initials"]
        read_only_fields = fields


class EvidenceMemberSerializer(serializers.ModelSerializer):
    member = NamedMemberSerializer(read_only=True)

    class Meta:
        model = EvidenceMember
        fields = ["id", "evidence", "member", "created_at"]
        read_only_fields = fields


class SetMembersSerializer(serializers.Serializer):
    evidence = ScopedPrimaryKeyField(EvidenceItem)
    members = serializers.ListField(child=ScopedPrimaryKeyField(Member), allow_empty=True,
                                    max_length=1000)
