"""The API's view of certificates and audits (engagements)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audit_prep.api.fields import CreateOnlyFieldsMixin, ScopedPrimaryKeyField
from audit_prep.models import Organization
from checklists.models import Referential
from checklists.services.tailoring import check_reference_date

from .. import cycle
from ..models import Certificate, Engagement, EngagementKind


def _in_range(value):
    if value is not None:
        check_reference_date(value)
    return value


class MilestoneSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EngagementKind.choices)
    kind_label = serializers.CharField()
    due_by = serializers.DateField(help_text=_("The audit must take place by this date."))
    state = serializers.ChoiceField(choices=[state.value for state in cycle.MilestoneState])
    state_label = serializers.CharField()
    engagement = serializers.IntegerField(allow_null=True,
                                          help_text=_("The audit recorded for it, if any."))


class CertificateSerializer(CreateOnlyFieldsMixin, serializers.ModelSerializer):
    create_only_fields = ("organization", "referential")
    organization = ScopedPrimaryKeyField(Organization)
    referential = ScopedPrimaryKeyField(Referential)
    cycle = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ["id", "organization", "referential", "certification_body", "number",
                  "decision_date", "expiry_date", "scope", "cycle", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators = ()  # the service answers a second certificate with "certificate_exists"

    @extend_schema_field(MilestoneSerializer(many=True))
    def get_cycle(self, obj) -> list[dict]:
        """The audits the certificate needs next: surveillance audits and the renewal."""
        today = timezone.localdate()
        return [{"kind": milestone.kind, "kind_label": str(milestone.kind.label),
                 "due_by": milestone.due_by, "state": milestone.state(today),
                 "state_label": str(cycle.STATE_LABELS[milestone.state(today)]),
                 "engagement": milestone.engagement.pk if milestone.engagement else None}
                for milestone in cycle.milestones(obj, list(obj.engagements.all()))]

    def validate_decision_date(self, value):
        return _in_range(value)

    def validate_expiry_date(self, value):
        return _in_range(value)

    def validate(self, attrs):
        decision = attrs.get("decision_date", getattr(self.instance, "decision_date", None))
        expiry = attrs.get("expiry_date", getattr(self.instance, "expiry_date", None))
        if decision and expiry and expiry <= decision:
            raise serializers.ValidationError(
                {"expiry_date": [_("The certificate must expire after its decision date.")]},
                code="expiry_before_decision")
        return attrs


class EngagementSerializer(CreateOnlyFieldsMixin, serializers.ModelSerializer):
    create_only_fields = ("organization",)
    organization = ScopedPrimaryKeyField(Organization)
    certificate = ScopedPrimaryKeyField(Certificate, allow_null=True, required=False)
    referentials = ScopedPrimaryKeyField(Referential, many=True, allow_empty=False)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Engagement
        fields = ["id", "organization", "kind", "kind_label", "certificate", "referentials",
                  "start_date", "end_date", "certification_body", "lead_auditor", "scope",
                  "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def validate_start_date(self, value):
        return _in_range(value)

    def validate_end_date(self, value):
        return _in_range(value)

    def validate(self, attrs):
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"end_date": [_("The last day cannot be before the first day.")]},
                code="end_before_start")
        return attrs
