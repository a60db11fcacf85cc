"""The areas together cover every route: `test_matrix_covers_every_route` fails when a route is
added to `audit_prep.urls.router` (or a top-level route to `audit_prep.urls.urlpatterns`)
without rows in one of the areas' tables.

The router has no `.json` format-suffix routes: such a spelling of any route is answered 404 by
URL resolution, before authentication, for every subject (`test_format_suffix_routes_are_gone`
in each area)."""

from django.urls import URLPattern, URLResolver, resolve

from audit_prep import urls as project_urls

from . import (
    test_audit_packs,
    test_auditor_findings,
    test_auditor_requests,
    test_auditors,
    test_audits,
    test_checklists,
    test_core,
    test_evidence,
    test_evidence_pages,
    test_evidence_requests,
    test_findings,
    test_notices_and_workers,
    test_populations,
    test_settings_lists,
    test_settings_pages,
    test_suggestions,
    test_tokens,
    test_workspace,
    test_workspace_pack,
)
from .auditors import AUDITOR_SUBJECTS
from .base import placeholders
from .world import SUBJECTS

AREAS = (test_core.TestCore.area, test_evidence.TestEvidence.area,
         test_evidence_pages.TestEvidencePages.area,
         test_checklists.TestChecklists.area, test_notices_and_workers.TestNotices.area,
         test_populations.TestPopulations.area, test_tokens.TestTokens.area,
         test_settings_pages.TestSettingsPages.area,
         test_audits.TestAudits.area, test_auditors.TestAuditors.area,
         test_findings.TestFindings.area,
         test_evidence_requests.TestEvidenceRequests.area,
         test_audit_packs.TestAuditPacks.area,
         test_settings_lists.TestSettingsLists.area,
         test_suggestions.TestSuggestions.area)

# The auditor's side (`auditors.py`): its own subjects, so its own tables.
AUDITOR_AREAS = (test_workspace.TestWorkspace.area,
                 test_auditor_requests.TestAuditorRequests.area,
                 test_auditor_findings.TestAuditorFindings.area,
                 test_workspace_pack.TestWorkspacePack.area)

# Top-level routes that are not in the matrix: token login is tested in test_core, the others
# are not part of the API (admin, language switch, browsable-API login are includes, not routes
# here). Per-person routes with no structure in scope, specified in their own tests: the
# calendar routes (anonymous 401, a person's own feed only, token rotation, 404 for any other
# token) in tests/checklists/test_calendar.py. The invitation page opens with the e-mail's
# secret, not a role: tests/core/test_invitation_page.py, and an auditor's:
# tests/audits/test_auditor_invitations.py.
NOT_IN_MATRIX = {"api-token", "me-calendar", "me-calendar-reset", "calendar-feed",
                 "invitation-page", "auditor-invitation-page"}


def _router_routes() -> set[tuple[str, str]]:
    """(URL name, method) of every route of the router. HEAD is served by the GET handler
    (DRF adds it to `actions` on first use): it is exercised by `test_head_answers_like_get`."""
    routes = set()
    for pattern in project_urls.router.urls:
        assert isinstance(pattern, URLPattern), pattern
        assert "format" not in pattern.pattern.regex.groupindex, pattern
        actions = getattr(pattern.callback, "actions", None) or {"get": "api_root"}
        routes.update((pattern.name, method.upper()) for method in actions if method != "head")
    return routes


def _check_area(area) -> None:
    assert set(area.matrix) == set(area.by_key)
    assert len(area.by_key) == len(area.endpoints), "two rows with the same key"
    assert set(area.personal) <= set(area.effects)
    for name, endpoint in area.by_key.items():
        dummy = dict.fromkeys(placeholders(endpoint.path), 1)
        # the row's path really is the route it names
        assert resolve(endpoint.path.format(**dummy)).url_name == endpoint.route, name
        statuses = dict(zip(SUBJECTS, area.matrix[name], strict=True))
        if endpoint.is_api and name not in area.public:
            assert statuses["anonymous"] == 401, name
        # every successful write has its effect checked
        writes = endpoint.method != "GET" or endpoint.route in area.audited_reads
        if writes and any(status < 400 for status in statuses.values()):
            assert name in area.effects, name


def _check_auditor_area(area) -> None:
    assert set(area.matrix) == set(area.by_key)
    assert len(area.by_key) == len(area.endpoints), "two rows with the same key"
    assert set(area.verbs) <= set(area.by_key)
    for name, endpoint in area.by_key.items():
        dummy = dict.fromkeys(placeholders(endpoint.path), 1)
        assert resolve(endpoint.path.format(**dummy)).url_name == endpoint.route, name
        statuses = dict(zip(AUDITOR_SUBJECTS, area.matrix[name], strict=True))
        if endpoint.is_api:
            assert statuses["anonymous"] == 401, name
        # a successful write has its effect checked (302: sent to sign in or to the step)
        if endpoint.method != "GET" and any(status < 300 for status in statuses.values()):
            assert name in area.effects, name


def test_matrix_covers_every_route():
    keys = [key for area in AREAS + AUDITOR_AREAS for key in area.by_key]
    assert len(keys) == len(set(keys)), "a row in two areas"
    for area in AREAS:
        _check_area(area)
    for auditor_area in AUDITOR_AREAS:
        _check_auditor_area(auditor_area)
    covered = {(endpoint.route, endpoint.method)
               for area in AREAS + AUDITOR_AREAS for endpoint in area.endpoints}

    missing = _router_routes() - covered
    assert not missing, f"router routes without matrix rows: {sorted(missing)}"

    top_level = {entry.name for entry in project_urls.urlpatterns
                 if not isinstance(entry, URLResolver)}
    missing = top_level - NOT_IN_MATRIX - {route for route, _method in covered}
    assert not missing, f"top-level routes without matrix rows: {sorted(missing)}"
