"""The API's view of evidence requests: the structure's (every field, both statuses, every
answer) and the auditor's (the status shown to the auditor and the submitted answers only)."""

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from audit_prep.api.fields import ScopedPrimaryKeyField
from checklists.models import Requirement
from evidence.references import reference as evidence_reference

from ...models import Engagement
from .. import services
from ..models import MAX_ASKED, MAX_MESSAGE, EvidenceRequest, RequestMessage, RequestStatus, Thread

DONE = (RequestStatus.SUBMITTED, RequestStatus.CLOSED)


def is_overdue(evidence_request: EvidenceRequest, today=None) -> bool:
    """Past its due date and not answered to the auditor yet."""
    today = today or timezone.localdate()
    return evidence_request.due_date < today and evidence_request.status not in DONE


def person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


class RequirementRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="name_fr")

    class Meta:
        model = Requirement
        fields = ["id", "ref_id", "name"]


class AnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    evidence = serializers.IntegerField(source="evidence_id")
    evidence_reference = serializers.SerializerMethodField()
    title = serializers.CharField(source="evidence.title")
    added_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)

    def get_evidence_reference(self, obj) -> str:
        return evidence_reference(obj.evidence_id)


class EngagementRequirementsField(serializers.PrimaryKeyRelatedField):
    """Requirements by id, among the engagement's (`context["engagement"]`): an auditor sees
    no structure's vault, so any other id is one that does not exist."""

    def get_queryset(self):
        return services.engagement_requirements(self.context["engagement"])


@extend_schema_serializer(component_name="DocumentRequest")
class EvidenceRequestSerializer(serializers.ModelSerializer):
    engagement = ScopedPrimaryKeyField(Engagement)
    requirements = ScopedPrimaryKeyField(Requirement, many=True, allow_empty=False)
    requirement_refs = RequirementRefSerializer(source="requirements", many=True,
                                                read_only=True)
    assignee = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all(),
                                                  allow_null=True, required=False)
    assignee_name = serializers.SerializerMethodField()
    reference = serializers.CharField(read_only=True)
    asked = serializers.CharField(max_length=MAX_ASKED, style={"base_template": "textarea.html"})
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    auditor_status_label = serializers.CharField(source="get_auditor_status_display",
                                                 read_only=True)
    overdue = serializers.SerializerMethodField()
    answers = AnswerSerializer(many=True, read_only=True)

    class Meta:
        model = EvidenceRequest
        fields = ["id", "reference", "engagement", "requirements", "requirement_refs", "asked",
                  "due_date", "assignee", "assignee_name", "status", "status_label",
                  "auditor_status", "auditor_status_label", "origin", "overdue", "created_by",
                  "created_at", "updated_at", "submitted_at", "answers"]
        read_only_fields = ["status", "auditor_status", "origin", "created_by", "created_at",
                            "updated_at", "submitted_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["engagement"].read_only = True

    def get_assignee_name(self, obj) -> str:
        return person(obj.assignee)

    def get_overdue(self, obj) -> bool:
        return is_overdue(obj)


class AuditorRequestSerializer(serializers.ModelSerializer):
    """What the auditor sees: never the internal status, the assignee or an answer not
    submitted."""

    requirements = EngagementRequirementsField(many=True, allow_empty=False)
    requirement_refs = RequirementRefSerializer(source="requirements", many=True,
                                                read_only=True)
    reference = serializers.CharField(read_only=True)
    asked = serializers.CharField(max_length=MAX_ASKED, style={"base_template": "textarea.html"})
    status = serializers.CharField(source="auditor_status", read_only=True)
    status_label = serializers.CharField(source="get_auditor_status_display", read_only=True)
    answers = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceRequest
        fields = ["id", "reference", "requirements", "requirement_refs", "asked", "due_date",
                  "status", "status_label", "origin", "created_at", "submitted_at", "answers"]
        read_only_fields = ["origin", "created_at", "submitted_at"]

    @extend_schema_field(AnswerSerializer(many=True))
    def get_answers(self, obj) -> list:
        """The answers a quality manager submitted (none before)."""
        submitted = [answer for answer in obj.answers.all() if answer.submitted_at is not None]
        return list(AnswerSerializer(submitted, many=True).data)


class MessageSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()
    thread: serializers.Field = serializers.ChoiceField(choices=Thread.choices)
    body = serializers.CharField(max_length=MAX_MESSAGE, style={"base_template": "textarea.html"},
                                 help_text=_("Plain text."))

    class Meta:
        model = RequestMessage
        fields = ["id", "thread", "author", "author_name", "body", "created_at"]
        read_only_fields = ["author", "created_at"]

    def get_author_name(self, obj) -> str:
        return person(obj.author)


class AuditorMessageSerializer(MessageSerializer):
    thread = serializers.CharField(read_only=True)


class AnswerLinkSerializer(serializers.Serializer):
    evidence = serializers.IntegerField(help_text=_("An evidence item of the structure."))


class RequestReviewSerializer(serializers.Serializer):
    accepted = serializers.BooleanField(help_text=_(
        "True: the answers are enough, the request closes; false: more is needed."))


class RequestImportSerializer(serializers.Serializer):
    engagement = ScopedPrimaryKeyField(Engagement)
    file = serializers.FileField(help_text=_(
        "CSV or XLSX: columns requirements, what is asked, due date, assignee (French headers "
        "accepted: exigences, demande, échéance, responsable)."))
