"""The shape of the checklist the API answers (`checklists.services.checklist.build`), for the
OpenAPI schema only: the service builds plain data, these serializers describe it (the
schemathesis run of tests/core/test_schemathesis.py checks every answer against them)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from populations.models import PopulationKind

from ..readiness import EvidenceState, Status

_STATUSES = Status.choices


def _date_or_null():
    return serializers.DateField(allow_null=True)


def _counts():
    return serializers.DictField(child=serializers.IntegerField(), help_text=_(
        "Number of counted requirements per status."))


def _score():
    return serializers.FloatField(allow_null=True, help_text=_(
        "percent, one decimal (8.4 for 8.4 %); null when nothing is to assess"))


class ChecklistOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ChecklistReferentialSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    urn = serializers.CharField()
    ref_id = serializers.CharField()
    name = serializers.CharField()
    version = serializers.CharField()
    is_template = serializers.BooleanField()


class ChapterSerializer(serializers.Serializer):
    ref_id = serializers.CharField()
    name = serializers.CharField()
    score = _score()
    counts = _counts()


class GateEvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    effective_date = serializers.DateField()


class GateSerializer(serializers.Serializer):
    """A stage-1 gate (ISO 9001); gates add the figures of their reason as further keys."""

    code = serializers.CharField()
    clause = serializers.CharField()
    # Not Field.label: DRF's metaclass moves declared fields out of the class attributes.
    label = serializers.CharField()  # type: ignore[assignment]
    passed = serializers.BooleanField()
    reason = serializers.CharField()
    message = serializers.CharField()
    evidence = GateEvidenceSerializer(many=True)


class ExclusionWarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    ref_id = serializers.CharField()
    justification = serializers.CharField()
    message = serializers.CharField()


class MemberNotCoveredSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    initials = serializers.CharField()
    status = serializers.ChoiceField(choices=_STATUSES)
    status_label = serializers.CharField()
    reason = serializers.CharField()
    valid_until = _date_or_null()


class MembersSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PopulationKind.choices)
    kind_label = serializers.CharField()
    recorded = serializers.BooleanField()
    present = serializers.IntegerField()
    covered = serializers.IntegerField()
    # Not Field.label: DRF's metaclass moves declared fields out of the class attributes.
    label = serializers.CharField()  # type: ignore[assignment]
    not_covered = MemberNotCoveredSerializer(many=True)


class ChecklistEvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    kind = serializers.CharField()
    state = serializers.ChoiceField(choices=EvidenceState.choices)
    state_label = serializers.CharField()
    revision = serializers.IntegerField(allow_null=True, help_text=_(
        "Number of the current revision; null before a revision is verified."))
    effective_date = serializers.DateField()
    valid_until = _date_or_null()
    sha256 = serializers.ListField(child=serializers.CharField(), help_text=_(
        "The first 12 hex digits of the SHA-256 of each file of the current revision."))
    url = serializers.CharField()


class ChecklistItemSerializer(serializers.Serializer):
    requirement_id = serializers.IntegerField()
    position = serializers.IntegerField()
    urn = serializers.CharField()
    ref_id = serializers.CharField()
    name = serializers.CharField()
    name_is_descriptive = serializers.BooleanField()
    added_by_structure = serializers.BooleanField()
    chapter = serializers.CharField()
    depth = serializers.IntegerField()
    assessable = serializers.BooleanField()
    counted = serializers.BooleanField()
    documented_information = serializers.ListField(child=serializers.CharField())
    documented_information_code = serializers.CharField()
    documented_information_label = serializers.CharField()
    conditional = serializers.BooleanField()
    renewal_months = serializers.IntegerField(allow_null=True)
    per_member = serializers.ChoiceField(choices=PopulationKind.choices, allow_null=True)
    members = MembersSerializer(allow_null=True)
    status = serializers.ChoiceField(choices=_STATUSES)
    status_label = serializers.CharField()
    reason = serializers.CharField()
    reason_label = serializers.CharField()
    valid_until = _date_or_null()
    excluded_by = serializers.CharField(allow_null=True)
    justification = serializers.CharField(allow_blank=True)
    exclusion_warning = ExclusionWarningSerializer(allow_null=True)
    evidence_count = serializers.IntegerField()
    integrity_error = serializers.BooleanField()
    evidence = ChecklistEvidenceSerializer(many=True)


class ChecklistSerializer(serializers.Serializer):
    """The readiness checklist of an adoption at a date."""

    organization = ChecklistOrganizationSerializer()
    referential = ChecklistReferentialSerializer()
    adoption = serializers.IntegerField()
    reference_date = serializers.DateField()
    target_audit_date = _date_or_null()
    warning_days = serializers.IntegerField()
    score = _score()
    counts = _counts()
    chapters = ChapterSerializer(many=True)
    gates = GateSerializer(many=True)
    warnings = ExclusionWarningSerializer(many=True)
    order = serializers.ChoiceField(choices=["clause", "priority"])
    items = ChecklistItemSerializer(many=True)
