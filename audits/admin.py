from django.contrib import admin

from .models import Certificate, Engagement


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("organization", "referential", "certification_body", "decision_date",
                    "expiry_date")
    list_filter = ("certification_body",)
    search_fields = ("organization__name", "certification_body", "number")


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = ("organization", "kind", "start_date", "end_date", "certification_body")
    list_filter = ("kind",)
    search_fields = ("organization__name", "certification_body", "lead_auditor")
