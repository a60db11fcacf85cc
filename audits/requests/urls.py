"""The routes of evidence requests, spread at the top level of `audit_prep.urls` (so that the
permission matrix's coverage sees each one by name): the auditor's API and the structure's
pages in the audit's settings."""

from django.urls import path

from . import auditor_pages, pages, request_pages
from .api import auditor as auditor_api

AUDIT = "api/v1/audit/engagements/<int:engagement_id>/requests/"
BOARD = "structures/<int:organization_id>/settings/audits/<int:engagement_id>/requests/"
ONE = BOARD + "<int:request_id>/"
WORKSPACE = "audit/<int:engagement_id>/requests/"

urlpatterns = [
    path(AUDIT, auditor_api.AuditorRequestList.as_view(), name="audit-request-list"),
    path(AUDIT + "<int:request_id>/", auditor_api.AuditorRequestDetail.as_view(),
         name="audit-request-detail"),
    path(AUDIT + "<int:request_id>/review/", auditor_api.AuditorRequestReview.as_view(),
         name="audit-request-review"),
    path(AUDIT + "<int:request_id>/messages/", auditor_api.AuditorRequestMessages.as_view(),
         name="audit-request-messages"),
    path(BOARD, pages.board, name="structure-settings-requests"),
    path(BOARD + "import/", pages.import_requests, name="structure-settings-requests-import"),
    path(ONE, request_pages.request_page, name="structure-settings-request"),
    path(ONE + "answers/", request_pages.link_answer, name="structure-settings-request-answer"),
    path(ONE + "answers/<int:answer_id>/remove/", request_pages.remove_answer,
         name="structure-settings-request-answer-remove"),
    path(ONE + "upload/", request_pages.upload_answer, name="structure-settings-request-upload"),
    path(ONE + "answered/", request_pages.mark_answered,
         name="structure-settings-request-answered"),
    path(ONE + "submit/", request_pages.submit, name="structure-settings-request-submit"),
    path(ONE + "messages/", request_pages.post_message,
         name="structure-settings-request-message"),
    path(WORKSPACE, auditor_pages.request_list, name="audit-requests"),
    path(WORKSPACE + "new/", auditor_pages.request_create, name="audit-requests-new"),
    path(WORKSPACE + "<int:request_id>/", auditor_pages.request_detail, name="audit-request"),
    path(WORKSPACE + "<int:request_id>/messages/", auditor_pages.request_message,
         name="audit-request-message-page"),
    path(WORKSPACE + "<int:request_id>/review/", auditor_pages.request_review,
         name="audit-request-review-page"),
]
