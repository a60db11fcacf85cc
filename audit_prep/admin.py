from django.contrib import admin

from .models import AuditEvent, Invitation, Membership, Organization


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the admin shows but never writes: changes go through the services (audit trail,
    storage rules, append-only tables)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "region", "siret"]
    search_fields = ["name", "slug", "siret"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the trail is append-only."""

    list_display = ["created_at", "organization", "actor_label", "action", "object_type",
                    "object_id", "request_id", "client_request_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "actor_label", "request_id", "client_request_id",
                     "object_repr"]
    date_hierarchy = "created_at"


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Read-only: invitations change through their services (audit trail, e-mail); the secret's
    hash and salt are not shown."""

    list_display = ["created_at", "organization", "email", "role", "status", "expires_at"]
    list_filter = ["status", "role"]
    search_fields = ["email", "organization__name"]
    exclude = ["token_hash", "token_salt"]
