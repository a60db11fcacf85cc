"""The API's view of grading scales, findings (with their versions) and corrective actions."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audit_prep.api.fields import (
    MULTILINE,
    BoundedDateField,
    CreateOnlyFieldsMixin,
    ScopedPrimaryKeyField,
    username_field,
)
from audit_prep.models import Organization

from ..finding_models import CorrectiveAction, Finding, FindingVersion, Grade, GradingScale
from ..improvement import LISTS

GRADE_FIELDS = ["id", "scale", "position", "code", "label_fr", "label_en", "severity",
                "improvement", "plan_days", "verification_months"]


class GradeSerializer(CreateOnlyFieldsMixin, serializers.ModelSerializer):
    create_only_fields = ("scale",)
    scale = ScopedPrimaryKeyField(GradingScale)

    class Meta:
        model = Grade
        fields = GRADE_FIELDS
        read_only_fields = ["position"]
        validators = ()  # the service answers a code used twice with "grade_code_exists"


class GradingScaleSerializer(CreateOnlyFieldsMixin, serializers.ModelSerializer):
    create_only_fields = ("organization", "certification_body")
    organization = ScopedPrimaryKeyField(Organization)
    grades = GradeSerializer(many=True, read_only=True)

    class Meta:
        model = GradingScale
        fields = ["id", "organization", "certification_body", "grades", "created_at"]
        read_only_fields = ["created_at"]
        validators = ()  # the service answers a second scale with "grading_scale_exists"

    def validate_certification_body(self, value):
        if not value.strip():
            raise serializers.ValidationError(
                _("Name the certification body (the default scale exists already)."),
                code="certification_body_required")
        return value


class VersionSerializer(serializers.ModelSerializer):
    grade = GradeSerializer(read_only=True)
    requirements = serializers.SerializerMethodField()
    evidence: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True)
    published_by = username_field(allow_null=True)

    class Meta:
        model = FindingVersion
        fields = ["number", "grade", "text", "requirements", "evidence", "created_at",
                  "published_at", "published_by", "sha256"]

    @extend_schema_field({"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "ref_id": {"type": "string"}, "urn": {"type": "string"}}}})
    def get_requirements(self, obj) -> list[dict]:
        return [{"id": r.pk, "ref_id": r.ref_id, "urn": r.urn} for r in obj.requirements.all()]


class ActionSerializer(serializers.ModelSerializer):
    finding = ScopedPrimaryKeyField(Finding)
    owner = serializers.SlugRelatedField(slug_field="username",
                                         queryset=get_user_model().objects.all(),
                                         help_text=_("A member of the structure."))
    due_date = BoundedDateField()
    done_on = BoundedDateField(required=False, allow_null=True)

    class Meta:
        model = CorrectiveAction
        fields = ["id", "finding", "description", "owner", "due_date", "done_on",
                  "created_at"]
        read_only_fields = ["created_at"]


class ActionDoneSerializer(serializers.Serializer):
    done_on = BoundedDateField(required=False, help_text=_("Today when not given."))


class FindingSerializer(serializers.ModelSerializer):
    """A finding as the structure sees it: its published versions (the last one is current),
    the deadlines, the answer, the auditor's review and the actions."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    engagement_kind = serializers.CharField(source="engagement.get_kind_display",
                                            read_only=True)
    engagement_start = serializers.DateField(source="engagement.start_date", read_only=True)
    versions = serializers.SerializerMethodField()
    actions = ActionSerializer(many=True, read_only=True)

    class Meta:
        model = Finding
        fields = ["id", "engagement", "engagement_kind", "engagement_start", "number", "status",
                  "status_label", "plan_due",
                  "verification_due", "versions", "correction", "root_cause", "effectiveness",
                  "answered_at", "review_comment", "reviewed_at", "closed_at", "actions"]
        read_only_fields = fields

    def _versions(self, obj) -> list[FindingVersion]:
        return [v for v in obj.versions.all() if v.published_at is not None]

    @extend_schema_field(VersionSerializer(many=True))
    def get_versions(self, obj) -> list[dict]:
        """Published versions, oldest first; corrections never replace what was published."""
        return list(VersionSerializer(self._versions(obj), many=True).data)


class AuditorFindingSerializer(FindingSerializer):
    """The auditor sees drafts too."""

    def _versions(self, obj) -> list[FindingVersion]:
        return list(obj.versions.all())


class FindingInputSerializer(serializers.Serializer):
    """A finding's content as the auditor writes it; the service checks the grade and the
    requirements against the engagement (400 `grade_required`, `requirement_required`...)."""

    grade = serializers.IntegerField(required=False, allow_null=True,
                                     help_text=_("A grade of the engagement's scale."))
    text = serializers.CharField(required=False, style=MULTILINE, max_length=20000)
    requirements = serializers.ListField(child=serializers.IntegerField(min_value=1),
                                         required=False, max_length=200)
    evidence = serializers.ListField(child=serializers.IntegerField(min_value=1),
                                     required=False, max_length=200)


class FindingReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("accept", _("accept the plan")),
                                                ("more", _("ask for more"))])
    comment = serializers.CharField(required=False, allow_blank=True, default="",
                                    style=MULTILINE, max_length=20000)


class CloseSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="",
                                    style=MULTILINE, max_length=20000)


class FindingAnswerSerializer(serializers.Serializer):
    correction = serializers.CharField(required=False, allow_blank=True, style=MULTILINE,
                                       max_length=20000)
    root_cause = serializers.CharField(required=False, allow_blank=True, style=MULTILINE,
                                       max_length=20000)
    effectiveness = serializers.ListField(child=serializers.IntegerField(min_value=1),
                                          required=False, max_length=200,
                                          help_text=_("Evidence of effectiveness (ids)."))


class LogQuerySerializer(serializers.Serializer):
    list = serializers.ChoiceField(choices=LISTS, default=LISTS[0])
