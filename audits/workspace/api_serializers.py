"""What the auditor's workspace API answers (read-only; documented in the OpenAPI schema)."""

import datetime

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from checklists.api.checklist_schema import ChecklistSerializer
from evidence.api.serializers import SearchMatchSerializer
from evidence.models import StoredFile
from evidence.references import reference

from ..auditor_evidence import audit_date, engagement_links
from ..models import Engagement


class WorkspaceStructureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class WorkspaceReferentialSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ref_id = serializers.CharField()


class WorkspaceEngagementSerializer(serializers.ModelSerializer):
    """An engagement as its auditor sees it: whose, what kind, when, on which referentials."""

    organization = WorkspaceStructureSerializer()
    kind_label = serializers.CharField(source="get_kind_display")
    audit_date = serializers.SerializerMethodField(help_text=_(
        "The date the checklist and the evidence are read at (the audit's first day)."))
    referentials = WorkspaceReferentialSerializer(many=True)

    class Meta:
        model = Engagement
        fields = ("id", "organization", "kind", "kind_label", "start_date", "end_date",
                  "audit_date", "certification_body", "lead_auditor", "scope", "referentials")

    def get_audit_date(self, engagement: Engagement) -> datetime.date:
        return audit_date(engagement)


class EngagementChecklistSerializer(serializers.Serializer):
    engagement = serializers.IntegerField()
    reference_date = serializers.DateField(help_text=_("The audit date."))
    checklists = ChecklistSerializer(many=True, help_text=_(
        "One per referential of the engagement the structure follows."))


class WorkspaceFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    mime_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    download_url = serializers.URLField()


class WorkspaceRevisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    files = WorkspaceFileSerializer(many=True)


class WorkspaceEvidenceSerializer(serializers.Serializer):
    """An evidence item in its revision in force on the audit date (null: none was)."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    effective_date = serializers.DateField()
    validity_end = serializers.DateField(allow_null=True)
    revision = WorkspaceRevisionSerializer(allow_null=True)
    later_revision = serializers.BooleanField(help_text=_(
        "A later revision was put in force after the audit date (not served here)."))
    requirements = serializers.ListField(child=serializers.IntegerField(), help_text=_(
        "The requirements of the engagement's referentials it is linked to."))
    match = SearchMatchSerializer(allow_null=True, help_text=_(
        "With `q`: where the words were found in the files of the revision in force (null "
        "when found in the title, tags or description, or without `q`)."))


def evidence_rows(engagement: Engagement, items, download_url) -> list[dict]:
    """The items of one page with their revision in force, its files and their requirements
    (two more queries, whatever the number of items)."""
    items = list(items)
    files: dict[int, list[dict]] = {}
    for stored in StoredFile.objects.filter(
            revision_id__in=[item.revision_in_force_id for item in items]).order_by("id"):
        files.setdefault(stored.revision_id, []).append({
            "id": stored.pk, "name": stored.name, "mime_type": stored.mime_type,
            "size": stored.size, "sha256": stored.sha256,
            "download_url": download_url(stored.pk)})
    requirements: dict[int, list[int]] = {}
    for evidence_id, requirement_id in (engagement_links(engagement)
                                        .filter(evidence__in=[item.pk for item in items])
                                        .order_by("requirement_id")
                                        .values_list("evidence_id", "requirement_id")):
        requirements.setdefault(evidence_id, []).append(requirement_id)
    return [{
        "id": item.pk, "reference": reference(item.pk), "title": item.title, "kind": item.kind,
        "status": item.status, "effective_date": item.effective_date,
        "validity_end": item.validity_end, "later_revision": item.later_revision,
        "revision": None if item.revision_in_force_id is None else {
            "id": item.revision_in_force_id, "number": item.revision_in_force_number,
            "files": files.get(item.revision_in_force_id, [])},
        "requirements": requirements.get(item.pk, [])} for item in items]
