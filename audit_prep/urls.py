from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from audits import auditor_pages, finding_pages, improvement_pages
from audits import pages as audit_pages
from audits.api import auditor_findings as audit_findings
from audits.api import auditors as audit_auditors
from audits.api import finding_views
from audits.api import packs as audit_packs
from audits.api import views as audit_views
from audits.auditor_invitation_page import auditor_invitation_page
from audits.packs import pages as pack_pages
from audits.packs import workspace as pack_workspace
from audits.requests import urls as request_urls
from audits.requests.api import views as request_api
from audits.workspace import api as workspace_api
from audits.workspace import evidence_pages as workspace_evidence
from audits.workspace import findings_pages as workspace_findings
from audits.workspace import pages as workspace
from checklists import (
    evidence_actions,
    evidence_edit,
    evidence_pages,
    evidence_tagging,
    requirement_pages,
    settings_pages,
)
from checklists import pages as checklist_pages
from checklists.api import policies as checklist_policies
from checklists.api import views as checklist_views
from checklists.evidence_filters import EvidenceViewSet
from checklists.suggestions import api as suggestion_api
from checklists.suggestions import pages as suggestion_pages
from evidence import pages as evidence_files
from evidence import upload_pages
from evidence.api.views import RevisionViewSet, StoredFileViewSet
from notices import pages as notice_pages
from notices import policy_pages
from notices import views as notice_views
from notices.api import views as notice_api
from populations import pages as population_pages
from populations.api import views as population_views

from . import health, invitation_pages, member_pages, pages, views
from .api import invitations
from .api import tokens as token_api
from .api import views as api_views
from .api.docs import SwaggerView


class Router(DefaultRouter):
    # No ".json" URL variants: one spelling per resource, one set of routes to authorize.
    include_format_suffixes = False


def settings_path(route: str, view, name: str):
    """A page of a structure's settings (`/structures/<id>/settings/...`), routed at the top
    level (the permission matrix covers every top-level route by its name)."""
    return path(f"structures/<int:organization_id>/settings/{route}", view, name=name)


def audit_findings_paths(base: str) -> list:
    """The auditor's findings endpoints of one engagement (decision 0026)."""
    one = base + "findings/<int:finding_id>/"
    return [
        path(base + "findings/", audit_findings.FindingsView.as_view(), name="audit-findings"),
        path(base + "grading-scale/", audit_findings.ScaleView.as_view(),
             name="audit-grading-scale"),
        path(one, audit_findings.FindingView.as_view(), name="audit-finding"),
        path(one + "publish/", audit_findings.PublishView.as_view(),
             name="audit-finding-publish"),
        path(one + "versions/", audit_findings.CorrectView.as_view(),
             name="audit-finding-correct"),
        path(one + "review/", audit_findings.ReviewView.as_view(), name="audit-finding-review"),
        path(one + "close/", audit_findings.CloseView.as_view(), name="audit-finding-close"),
    ]


def workspace_path(route: str, view, name: str):
    """A page of the auditor's workspace of one engagement (`/audit/<id>/...`), at the top
    level like the settings pages; its view goes through `audits.workspace.guard`."""
    return path(f"audit/<int:engagement_id>/{route}", view, name=name)


router = Router()
# Routes under another resource's prefix (an item's suggestions, a checklist requirement's
# matching evidence) come first: the API root lists a prefix by its last registration.
router.register("evidence", suggestion_api.EvidenceSuggestionViewSet,
                basename="evidence-suggestion")
router.register("adoptions", suggestion_api.MatchingEvidenceViewSet,
                basename="adoption-matching")
router.register("suggestions", suggestion_api.SuggestionViewSet, basename="suggestion")
router.register("organizations", api_views.OrganizationViewSet, basename="organization")
router.register("memberships", api_views.MembershipViewSet, basename="membership")
router.register("invitations", invitations.InvitationViewSet, basename="invitation")
router.register("audit-events", api_views.AuditEventViewSet, basename="auditevent")
router.register("evidence", EvidenceViewSet, basename="evidence")
router.register("revisions", RevisionViewSet, basename="revision")
router.register("files", StoredFileViewSet, basename="storedfile")
router.register("referentials", checklist_views.ReferentialViewSet, basename="referential")
router.register("requirements", checklist_views.RequirementViewSet, basename="requirement")
router.register("adoptions", checklist_views.AdoptionViewSet, basename="adoption")
router.register("exclusions", checklist_views.ExclusionViewSet, basename="exclusion")
router.register("links", checklist_views.LinkViewSet, basename="link")
router.register("populations", population_views.PopulationViewSet, basename="population")
router.register("members", population_views.MemberViewSet, basename="member")
router.register("evidence-members", population_views.EvidenceMemberViewSet,
                basename="evidencemember")
router.register("documented-information", checklist_views.DocumentedInformationViewSet,
                basename="documented-information")
router.register("readiness-policies", checklist_policies.ReadinessPolicyViewSet,
                basename="readinesspolicy")
router.register("notifications", notice_api.NotificationViewSet, basename="notification")
router.register("reminder-policies", notice_api.ReminderPolicyViewSet,
                basename="reminderpolicy")
router.register("me/tokens", token_api.ApiTokenViewSet, basename="apitoken")
router.register("certificates", audit_views.CertificateViewSet, basename="certificate")
router.register("engagements", audit_views.EngagementViewSet, basename="engagement")
router.register("findings", finding_views.FindingViewSet, basename="finding")
router.register("corrective-actions", finding_views.CorrectiveActionViewSet,
                basename="correctiveaction")
router.register("grading-scales", finding_views.GradingScaleViewSet, basename="gradingscale")
router.register("grades", finding_views.GradeViewSet, basename="grade")
router.register("evidence-requests", request_api.EvidenceRequestViewSet,
                basename="evidencerequest")
router.register("audit-packs", audit_packs.AuditPackViewSet, basename="audit-pack")
router.register("audit/engagements", workspace_api.AuditWorkspaceViewSet,
                basename="auditengagement")
router.register("auditor-invitations", audit_auditors.AuditorInvitationViewSet,
                basename="auditorinvitation")
router.register("auditor-accesses", audit_auditors.AuditorAccessViewSet,
                basename="auditoraccess")

urlpatterns = [
    path("", checklist_pages.home, name="home"),
    path("structures/<int:organization_id>/", checklist_pages.structure_home,
         name="structure-home"),
    path("checklists/<int:adoption_id>/", checklist_pages.checklist_page, name="checklist-page"),
    settings_path("", member_pages.settings_home, "structure-settings"),
    settings_path("members/", member_pages.members, "structure-settings-members"),
    settings_path("members/<int:membership_id>/role/", member_pages.change_role,
                  "structure-settings-member-role"),
    settings_path("members/<int:membership_id>/remove/", member_pages.remove_member,
                  "structure-settings-member-remove"),
    settings_path("invitations/", member_pages.invitations_page,
                  "structure-settings-invitations"),
    settings_path("invitations/<int:invitation_id>/resend/", member_pages.resend_invitation,
                  "structure-settings-invitation-resend"),
    settings_path("invitations/<int:invitation_id>/withdraw/",
                  member_pages.withdraw_invitation, "structure-settings-invitation-withdraw"),
    settings_path("referentials/", settings_pages.referentials,
                  "structure-settings-referentials"),
    settings_path("referentials/<int:adoption_id>/", settings_pages.adoption_page,
                  "structure-settings-adoption"),
    settings_path("referentials/<int:adoption_id>/exclusions/", settings_pages.exclusions,
                  "structure-settings-exclusions"),
    settings_path("exclusions/<int:exclusion_id>/include/", settings_pages.include,
                  "structure-settings-exclusion-include"),
    settings_path("reminders/", policy_pages.reminders, "structure-settings-reminders"),
    settings_path("audits/", audit_pages.audits, "structure-settings-audits"),
    settings_path("audits/<int:engagement_id>/", audit_pages.engagement_page,
                  "structure-settings-engagement"),
    settings_path("audits/<int:engagement_id>/cancel/", audit_pages.engagement_cancel,
                  "structure-settings-engagement-cancel"),
    settings_path("audits/<int:engagement_id>/packs/", pack_pages.packs,
                  "structure-settings-engagement-packs"),
    settings_path("audits/<int:engagement_id>/packs/<int:pack_id>/", pack_pages.pack_status,
                  "structure-settings-pack-status"),
    settings_path("audits/<int:engagement_id>/packs/<int:pack_id>/download/",
                  pack_pages.pack_download, "structure-settings-pack-download"),
    settings_path("audits/<int:engagement_id>/packs/<int:pack_id>/verify/",
                  pack_pages.pack_verify, "structure-settings-pack-verify"),
    settings_path("audits/<int:engagement_id>/packs/<int:pack_id>/rebuild/",
                  pack_pages.pack_rebuild, "structure-settings-pack-rebuild"),
    settings_path("audits/<int:engagement_id>/findings/", finding_pages.engagement_findings,
                  "structure-settings-findings"),
    settings_path("findings/<int:finding_id>/", finding_pages.finding_page,
                  "structure-settings-finding"),
    settings_path("improvement/", improvement_pages.improvement_page,
                  "structure-settings-improvement"),
    settings_path("improvement/export/<str:fmt>/", improvement_pages.improvement_export,
                  "structure-settings-improvement-export"),
    settings_path("grading-scales/", improvement_pages.grading_scales,
                  "structure-settings-grading-scales"),
    settings_path("grading-scales/grades/<int:grade_id>/", improvement_pages.grade_page,
                  "structure-settings-grade"),
    settings_path("audits/<int:engagement_id>/auditors/invite/", auditor_pages.invite,
                  "structure-settings-auditor-invite"),
    settings_path("audits/<int:engagement_id>/auditors/invitations/<int:invitation_id>/resend/",
                  auditor_pages.resend, "structure-settings-auditor-invitation-resend"),
    settings_path("audits/<int:engagement_id>/auditors/invitations/<int:invitation_id>/"
                  "withdraw/", auditor_pages.withdraw,
                  "structure-settings-auditor-invitation-withdraw"),
    settings_path("audits/<int:engagement_id>/auditors/<int:access_id>/extend/",
                  auditor_pages.extend, "structure-settings-auditor-extend"),
    settings_path("audits/<int:engagement_id>/auditors/<int:access_id>/revoke/",
                  auditor_pages.revoke, "structure-settings-auditor-revoke"),
    settings_path("audits/<int:engagement_id>/access-log/", auditor_pages.access_log,
                  "structure-settings-engagement-access-log"),
    settings_path("requirements/", requirement_pages.requirements,
                  "structure-settings-requirements"),
    settings_path("requirements/import/", requirement_pages.requirement_import,
                  "structure-settings-requirements-import"),
    settings_path("requirements/<int:requirement_id>/", requirement_pages.requirement_edit,
                  "structure-settings-requirement"),
    settings_path("requirements/<int:requirement_id>/retire/",
                  requirement_pages.requirement_retire, "structure-settings-requirement-retire"),
    settings_path("populations/", population_pages.populations,
                  "structure-settings-populations"),
    settings_path("populations/<int:population_id>/", population_pages.population,
                  "structure-settings-population"),
    settings_path("populations/<int:population_id>/delete/", population_pages.population_delete,
                  "structure-settings-population-delete"),
    settings_path("populations/<int:population_id>/import/", population_pages.population_import,
                  "structure-settings-population-import"),
    settings_path("populations/<int:population_id>/members/<int:member_id>/",
                  population_pages.member_edit, "structure-settings-member"),
    settings_path("populations/<int:population_id>/members/<int:member_id>/delete/",
                  population_pages.member_delete, "structure-settings-member-delete"),
    path("audit/", workspace.workspace_home, name="audit-workspace"),
    workspace_path("", workspace.engagement_home, "audit-engagement"),
    workspace_path("checklist/", workspace.engagement_checklist, "audit-checklist"),
    workspace_path("evidence/", workspace_evidence.evidence_list, "audit-evidence"),
    workspace_path("evidence/<int:evidence_id>/", workspace_evidence.evidence_page,
                   "audit-evidence-page"),
    workspace_path("files/<int:file_id>/preview/", workspace_evidence.file_preview,
                   "audit-file-preview"),
    workspace_path("files/<int:file_id>/download/", workspace_evidence.file_download,
                   "audit-file-download"),
    workspace_path("findings/", workspace_findings.findings_list, "audit-findings-page"),
    workspace_path("findings/<int:finding_id>/", workspace_findings.finding_page,
                   "audit-finding-page"),
    workspace_path("pack/", pack_workspace.packs, "audit-sealed-pack"),
    workspace_path("pack/<int:pack_id>/download/", pack_workspace.pack_download,
                   "audit-sealed-pack-download"),
    path("evidence/", evidence_pages.evidence_list, name="evidence-page-list"),
    path("evidence/<int:evidence_id>/", evidence_pages.evidence_detail, name="evidence-page"),
    path("evidence/new/", upload_pages.choose_structure, name="evidence-page-choose"),
    path("structures/<int:organization_id>/evidence/new/", upload_pages.add_evidence,
         name="evidence-page-add"),
    path("evidence/<int:evidence_id>/versions/new/", upload_pages.new_version,
         name="evidence-page-new-version"),
    path("evidence/<int:evidence_id>/edit/", evidence_edit.edit, name="evidence-page-edit"),
    path("evidence/<int:evidence_id>/submit/", evidence_actions.submit,
         name="evidence-page-submit"),
    path("evidence/<int:evidence_id>/approve/", evidence_actions.approve,
         name="evidence-page-approve"),
    path("evidence/<int:evidence_id>/archive/", evidence_actions.archive,
         name="evidence-page-archive"),
    path("evidence/<int:evidence_id>/review/", evidence_actions.review,
         name="evidence-page-review"),
    path("evidence/<int:evidence_id>/requirements/", evidence_tagging.requirements,
         name="evidence-page-requirements"),
    path("evidence/<int:evidence_id>/links/", evidence_tagging.link, name="evidence-page-link"),
    path("evidence/<int:evidence_id>/links/<int:link_id>/remove/", evidence_tagging.unlink,
         name="evidence-page-unlink"),
    path("evidence/<int:evidence_id>/suggestions/<int:requirement_id>/accept/",
         suggestion_pages.accept, name="evidence-suggestion-page-accept"),
    path("evidence/<int:evidence_id>/suggestions/<int:requirement_id>/dismiss/",
         suggestion_pages.dismiss, name="evidence-suggestion-page-dismiss"),
    path("checklists/<int:adoption_id>/requirements/<int:requirement_id>/matching-evidence/",
         suggestion_pages.matching_evidence, name="checklist-matching-evidence"),
    path("files/<int:file_id>/preview/", evidence_files.preview, name="file-preview"),
    path("account/", pages.account, name="account"),
    path("account/preferences/", notice_pages.preferences, name="account-preferences"),
    path("account/calendar/reset/", notice_pages.reset_calendar, name="account-calendar-reset"),
    path("account/notifications/", notice_pages.notification_list, name="notifications-page"),
    path("account/notifications/read-all/", notice_pages.notifications_read_all,
         name="notifications-page-read-all"),
    path("account/notifications/<int:notification_id>/read/", notice_pages.notification_read,
         name="notification-page-read"),
    path("invitations/<str:secret>/", invitation_pages.invitation_page, name="invitation-page"),
    path("auditor-invitations/<str:secret>/", auditor_invitation_page,
         name="auditor-invitation-page"),
    path("licences/", pages.licences, name="licences"),
    path("accounts/", include("audit_prep.account_urls")),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", include(router.urls)),
    *request_urls.urlpatterns,
    path("api/v1/me/", api_views.me, name="me"),
    *audit_findings_paths("api/v1/audit/engagements/<int:engagement_id>/"),
    path("api/v1/me/preferences/", notice_api.preferences, name="me-preferences"),
    path("api/v1/me/calendar/", notice_api.my_calendar, name="me-calendar"),
    path("api/v1/me/calendar/reset/", notice_api.reset_my_calendar, name="me-calendar-reset"),
    path("calendar/<str:token>.ics", notice_views.calendar_feed, name="calendar-feed"),
    path("api/v1/auth/token/", token_api.ObtainTokenView.as_view(), name="api-token"),
    path("api/auth/", include("rest_framework.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

# Under /api/ Django's own refusals answer in the API's error shape; pages keep HTML.
handler400 = "audit_prep.api.refusals.bad_request"
handler403 = "audit_prep.api.refusals.permission_denied"
handler404 = "audit_prep.api.refusals.page_not_found"
handler500 = "audit_prep.api.refusals.server_error"
