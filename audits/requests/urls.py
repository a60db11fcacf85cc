"""The routes of evidence requests, spread at the top level of `audit_prep.urls` (so that the
permission matrix's coverage sees each one by name)."""

from django.urls import path

from .api import auditor as auditor_api

AUDIT = "api/v1/audit/engagements/<int:engagement_id>/requests/"

urlpatterns = [
    path(AUDIT, auditor_api.AuditorRequestList.as_view(), name="audit-request-list"),
    path(AUDIT + "<int:request_id>/", auditor_api.AuditorRequestDetail.as_view(),
         name="audit-request-detail"),
    path(AUDIT + "<int:request_id>/review/", auditor_api.AuditorRequestReview.as_view(),
         name="audit-request-review"),
    path(AUDIT + "<int:request_id>/messages/", auditor_api.AuditorRequestMessages.as_view(),
         name="audit-request-messages"),
]
