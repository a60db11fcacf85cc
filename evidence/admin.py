from django.contrib import admin

from audit_prep.admin import ReadOnlyAdmin

from .models import EvidenceItem, Revision, StoredFile

# Evidence changes go through the services (audit trail, storage rules), not the admin.


@admin.register(EvidenceItem)
class EvidenceItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "organization", "kind", "status", "valid_until", "file_check",
                    "owner"]
    list_filter = ["status", "kind", "file_check", "organization"]
    search_fields = ["title", "description"]


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ["evidence", "number", "verification_status", "is_current", "created_at"]
    list_filter = ["verification_status"]


@admin.register(StoredFile)
class StoredFileAdmin(ReadOnlyAdmin):
    list_display = ["name", "organization", "mime_type", "size", "sha256", "created_at"]
    search_fields = ["name", "sha256"]
