from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import F, Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audit_prep import access
from audit_prep.api.fields import (
    MULTILINE,
    BoundedDateField,
    CreateOnlyFieldsMixin,
    ScopedPrimaryKeyField,
    username_field,
)
from audit_prep.models import Organization
from audit_prep.roles import Action

from ..expiry import Expiry, expiry_state
from ..models import (
    EvidenceItem,
    FileText,
    Revision,
    StoredFile,
    TextNote,
    TextSource,
    TextStatus,
)
from ..text_states import text_state

User = get_user_model()


def _error(message, code: str) -> list[serializers.ErrorDetail]:
    """One field error, in the request's language, with its stable code."""
    return [serializers.ErrorDetail(str(message), code=code)]


def files_with_text_state() -> Prefetch:
    """A revision's files with the note of their extracted text (`text_note`, None before
    extraction), without the text itself."""
    return Prefetch("files", queryset=with_text_state(StoredFile.objects.all()))


def with_text_state(files):
    """Files annotated with their text's note and source (`text_note`, `text_source`)."""
    return files.annotate(text_note=F("extracted_text__note"),
                          text_source=F("extracted_text__source"))


class TextStateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=TextStatus.choices, help_text=_(
        "pending before verification, and while a scan waits for OCR (reason ocr_pending); "
        "partial when only the beginning (or, by OCR, the pages read in time) was kept; "
        "unavailable when no text could be read (see reason)."))
    reason = serializers.ChoiceField(choices=TextNote.choices, allow_null=True, help_text=_(
        "Stable code of why the text is partial or unavailable, null when it is complete."))
    reason_label = serializers.CharField(allow_null=True, help_text=_(
        "The reason in the request's language."))
    # A declared field, popped from the class by DRF's metaclass: it does not shadow
    # Field.source, whatever the type checker thinks.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=TextSource.choices, allow_null=True, help_text=_(
        "extracted: the file's own text; ocr: read (or to be read) by OCR from a scan; null "
        "before verification."))


class StoredFileSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()

    class Meta:
        model = StoredFile
        fields = ["id", "name", "mime_type", "size", "sha256", "page_count", "integrity_error",
                  "last_checked_at", "created_at", "download_url", "text"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return f"/api/v1/files/{obj.pk}/download/"

    @extend_schema_field(TextStateSerializer)
    def get_text(self, obj) -> dict:
        """Whether the file's text was extracted for search, and if not, why."""
        if hasattr(obj, "text_note"):
            return text_state(obj.text_note, getattr(obj, "text_source", None))
        row = FileText.objects.filter(stored_file=obj).values_list("note", "source").first()
        return text_state(*row) if row else text_state(None)


class RevisionSerializer(serializers.ModelSerializer):
    files = StoredFileSerializer(many=True, read_only=True)
    created_by = username_field()

    class Meta:
        model = Revision
        fields = [
            "id", "evidence", "number", "note", "verification_status", "rejection_reason",
            "is_current", "created_by", "created_at", "verified_at", "files",
        ]
        read_only_fields = fields


class UploadFieldsSerializer(serializers.Serializer):
    """Form fields that come with files. The files themselves are checked by the upload service
    (content, size, name), which gives each refusal its own stable code."""

    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="",
                                 style=MULTILINE)
    allow_duplicate = serializers.BooleanField(required=False, default=False)


class UploadSerializer(UploadFieldsSerializer):
    """Multipart body of an upload, for the schema: one or more `files` parts and the fields."""

    files = serializers.ListField(child=serializers.FileField(), write_only=True)


class _MemberField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        orgs = access.organization_ids(self.context["request"].user, Action.VIEW)
        return User.objects.filter(memberships__organization_id__in=orgs).distinct()


class TagsField(serializers.ListField):
    """Tags are written as a list of names and read back sorted."""

    child = serializers.CharField(max_length=50)

    def to_representation(self, data):
        return sorted(tag.name for tag in data.all())


class EvidenceSerializer(CreateOnlyFieldsMixin, serializers.ModelSerializer):
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.DateField: BoundedDateField}
    create_only_fields = ("organization",)
    organization = ScopedPrimaryKeyField(Organization)
    owner = _MemberField(required=False, allow_null=True)
    tags = TagsField(required=False, max_length=30)
    reference = serializers.CharField(read_only=True, help_text=_(
        "Stable reference of the item, derived from its id (EV-000123), as exports print it."))
    current_revision = serializers.SerializerMethodField()
    revision_count = serializers.IntegerField(read_only=True)
    created_by = username_field()
    approved_by = username_field(allow_null=True)
    archived_by = username_field(allow_null=True)
    expiry_state = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceItem
        fields = [
            "id", "reference", "organization", "title", "description", "kind", "status", "owner",
            "effective_date", "period_start", "period_end", "renewal_months", "valid_until",
            "retention_until", "last_reviewed_on", "validity_end", "superseded",
            "expiry_state", "tags", "current_revision", "revision_count", "file_check",
            "created_by", "created_at", "updated_at", "approved_by", "approved_at",
            "archived_by", "archived_at", "archive_reason",
        ]
        read_only_fields = [
            "status", "created_at", "updated_at", "approved_at", "archived_at", "archive_reason",
            "file_check", "last_reviewed_on", "validity_end", "superseded",
        ]

    def get_expiry_state(self, obj) -> Expiry:
        """Today's state against `validity_end` (the one validity rule, as the workers last
        stored it for the requirements the item is linked to)."""
        return expiry_state(obj)

    def get_current_revision(self, obj) -> dict | None:
        current = getattr(obj, "current_revisions", None)
        if current is None:
            current = [r for r in obj.revisions.all() if r.is_current]
        return RevisionSerializer(current[0]).data if current else None

    def validate(self, attrs):
        instance = self.instance
        if "valid_until" in attrs and attrs.get("valid_until") and attrs.get("renewal_months"):
            raise serializers.ValidationError(
                {"valid_until": [_("Give either a validity end date or a renewal period.")]},
                code="validity_ambiguous",
            )

        def value(name):
            return attrs[name] if name in attrs else getattr(instance, name, None)

        effective = value("effective_date")
        valid_until = attrs.get("valid_until") if "valid_until" in attrs else (
            None if attrs.get("renewal_months") else value("valid_until")
        )
        errors = {}
        if effective and valid_until and valid_until < effective:
            errors["valid_until"] = _error(
                _("The validity end cannot precede the effective date."),
                "valid_until_before_effective_date")
        if value("period_start") and value("period_end") and value("period_end") < value(
            "period_start"
        ):
            errors["period_end"] = _error(_("The covered period ends before it starts."),
                                          "period_end_before_start")
        retention = value("retention_until")
        if effective and retention and retention < effective:
            errors["retention_until"] = _error(
                _("The retention date cannot precede the effective date."),
                "retention_before_effective_date")
        months = attrs.get("renewal_months")
        if months is not None and not 1 <= months <= 600:
            errors["renewal_months"] = _error(
                _("The renewal period is between 1 and 600 months."), "renewal_months_range")
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()


class EvidenceWithWarningsSerializer(EvidenceSerializer):
    """An evidence item as created or changed, with what is worth knowing about it."""

    warnings = WarningSerializer(many=True, read_only=True)

    class Meta(EvidenceSerializer.Meta):
        fields = [*EvidenceSerializer.Meta.fields, "warnings"]


class ArchiveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, style=MULTILINE)


class ReviewSerializer(serializers.Serializer):
    """A "reviewed, still valid" mark: the day of the review and what was reviewed."""

    reviewed_on = BoundedDateField()
    note = serializers.CharField(max_length=2000, style=MULTILINE)


class SearchMatchSerializer(serializers.Serializer):
    """Where the words of `q` were found in the item's current files."""

    excerpt = serializers.CharField(help_text=_(
        "A few words around what was found, as HTML: the text escaped, the words found in "
        "<mark> elements."))
    file = serializers.IntegerField(allow_null=True, help_text=_("The file's id."))
    file_name = serializers.CharField(help_text=_("The file's name."))
    page = serializers.IntegerField(allow_null=True, help_text=_(
        "The page of the file where the words are (PDF), null for files without pages."))


def search_match(excerpt) -> dict:
    return {"excerpt": str(excerpt.html), "file": excerpt.file_id,
            "file_name": excerpt.file_name, "page": excerpt.page}


class EvidenceResultSerializer(EvidenceSerializer):
    """An item of the list, with where the search's words were found (`match`)."""

    match = serializers.SerializerMethodField()

    class Meta(EvidenceSerializer.Meta):
        fields = [*EvidenceSerializer.Meta.fields, "match"]

    @extend_schema_field(SearchMatchSerializer(allow_null=True))
    def get_match(self, obj) -> dict | None:
        """With `q`: where its words were found in the current files; null without `q`, or
        when they were found only in the title, tags or description."""
        excerpt = self.context.get("search_matches", {}).get(obj.pk)
        return search_match(excerpt) if excerpt else None
