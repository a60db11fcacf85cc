"""Serializers of the notices' API."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from audit_prep.models import UserPreference

from ..models import (
    MAX_GAP_THRESHOLDS,
    MAX_GAP_WEEKS,
    Notification,
    ReminderPolicy,
)
from ..services import POLICY_FIELDS


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "organization", "created_at", "read_at"]
        read_only_fields = fields


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(field_name="read_at", lookup_expr="isnull",
                                   label=_("unread only"))

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


class PreferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = UserPreference
        fields = ["language", "reminders_opt_out", "email_refused"]

    def validate_email_refused(self, value):
        if value:
            raise serializers.ValidationError(
                _("Set by the mail server's refusal; it can only be cleared."), code="clear_only")
        return value


class ReminderPolicySerializer(serializers.ModelSerializer):
    organization = serializers.IntegerField(source="organization_id", read_only=True)
    lead_days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=365), min_length=1, max_length=10,
        help_text=_("Days before the end of validity at which a reminder is sent."))
    escalate_after_days = serializers.IntegerField(min_value=0, max_value=365)
    audit_gap_weeks = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_GAP_WEEKS), allow_empty=True,
        max_length=MAX_GAP_THRESHOLDS,
        help_text=_("Weeks before an adoption's target audit date at which its quality managers "
                    "get the digest of what still fails on that date (empty: none)."))

    class Meta:
        model = ReminderPolicy
        fields = ["organization", *POLICY_FIELDS]

    def validate_lead_days(self, value):
        if len(set(value)) != len(value):
            raise serializers.ValidationError(_("Each lead time can be given only once."),
                                              code="duplicate_lead_days")
        return sorted(value, reverse=True)

    def validate_audit_gap_weeks(self, value):
        if len(set(value)) != len(value):
            raise serializers.ValidationError(_("Each number of weeks can be given only once."),
                                              code="duplicate_audit_gap_weeks")
        return sorted(value, reverse=True)


CALENDAR_URL = inline_serializer("CalendarFeedUrl", {"url": serializers.URLField()})
READ_ALL = inline_serializer("ReadAll", {"updated": serializers.IntegerField()})
