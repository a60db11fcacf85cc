from django.contrib import admin

from audit_prep.admin import ReadOnlyAdmin

from .models import EvidenceMember, Member, Population

# Populations change through the services (audit trail, readiness), not the admin.


@admin.register(Population)
class PopulationAdmin(ReadOnlyAdmin):
    list_display = ["kind", "organization", "created_at"]
    list_filter = ["kind", "organization"]


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ["reference", "initials", "population", "entry_date", "exit_date"]
    search_fields = ["reference"]


@admin.register(EvidenceMember)
class EvidenceMemberAdmin(ReadOnlyAdmin):
    list_display = ["evidence", "member", "created_at"]
