"""The auditor's workspace as its auditor and the structure's members use it: each engagement
apart, the checklist on the audit date with missing evidence standing out, the evidence in the
revision in force on that date, and what the audit trail keeps of it (decision 0028)."""

import datetime
import re

from django.test import Client

from audit_prep.models import AuditEvent
from audit_prep.roles import Role
from audits.auditor_evidence import auditor_evidence, auditor_files
from audits.models import AuditorAccess, Engagement, EngagementKind
from checklists.services import tailoring
from evidence.models import StoredFile
from tests.audits.otp import signed_in
from tests.checklists.conftest import make_referential
from tests.factories import UserFactory

from .workspace_world import DURING, at, linked_evidence, new_version, requirement

BEFORE_AUDIT = datetime.datetime(2027, 1, 20, 9, tzinfo=datetime.UTC)
AFTER_AUDIT = datetime.datetime(2027, 2, 20, 9, tzinfo=datetime.UTC)


def events(action: str):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def test_an_auditor_lands_on_their_audits_and_sees_no_structure(auditor_browser, audited, org):
    home = auditor_browser.get("/")
    assert home["Location"] == "/audit/"
    page = auditor_browser.get("/audit/").content.decode()
    assert f'href="/audit/{audited.pk}/"' in page and org.name in page
    assert "Mes structures" not in page and 'href="/evidence/"' not in page
    engagement_page = auditor_browser.get(f"/audit/{audited.pk}/").content.decode()
    assert "Mes structures" not in engagement_page
    assert "Surveillance" in engagement_page or "surveillance" in engagement_page
    assert "workspace-preview" not in engagement_page
    account = auditor_browser.get("/account/").content.decode()  # any page: the same header
    header = account[:account.index("</header>")]
    assert "Mes structures" not in header and 'href="/audit/"' in header


def test_an_auditor_at_several_structures_sees_each_audit_apart(audited, audit_user, qm,
                                                                  other_org, member):
    neighbour_qm = member(Role.QUALITY_MANAGER, other_org, username="voisin")
    theirs = Engagement.objects.create(
        organization=other_org, created_by=neighbour_qm, kind=EngagementKind.RENEWAL,
        start_date=datetime.date(2027, 2, 15), end_date=datetime.date(2027, 2, 16))
    AuditorAccess.objects.create(engagement=theirs, user=audit_user, granted_by=neighbour_qm,
                                 starts_on=datetime.date(2027, 2, 1),
                                 ends_on=datetime.date(2027, 3, 1))
    with at(DURING):
        client = signed_in(audit_user)
        cards = re.findall(r'<li class="card">(.*?)</li>', client.get("/audit/").content.decode(),
                           re.S)
        listed = client.get("/api/v1/audit/engagements/").json()["results"]
    assert len(cards) == 2
    assert [(item["id"], item["organization"]["name"]) for item in listed] == [
        (audited.pk, "AI du Val"), (theirs.pk, "Chantier voisin")]
    assert ("AI du Val" in cards[0]) != ("AI du Val" in cards[1])


def test_the_checklist_on_the_audit_date_marks_missing_evidence_and_filters(
        auditor_browser, audited, iso, qm, org):
    linked_evidence(qm, org, [requirement(iso, "4.3")], "Domaine d'application")
    url = f"/audit/{audited.pk}/checklist/"
    page = auditor_browser.get(url).content.decode()
    assert "10 févr. 2027" in page or "10 février 2027" in page
    summary = re.search(r'<p class="message message-error" id="missing-summary">(.*?)</p>', page,
                        re.S).group(1)
    assert "Sans preuve à la date de l'audit : 7 exigences" in summary
    assert "status-missing" in summary
    assert 'class="status status-missing">Manquant' in page  # the word, and its icon by class
    missing = auditor_browser.get(url, {"status": "missing"}).content.decode()
    assert f'id="requirement-{requirement(iso, "4.3").pk}"' not in missing
    assert f'id="requirement-{requirement(iso, "6.2.1").pk}"' in missing
    swapped = auditor_browser.get(url, {"status": "missing"}, headers={"HX-Request": "true"})
    assert swapped.content.decode().lstrip().startswith('<div id="results-status"')  # rows only
    assert f'id="requirement-{requirement(iso, "6.2.1").pk}"' in swapped.content.decode()
    chapter = auditor_browser.get(url, {"chapter": "9"}).content.decode()
    assert f'id="requirement-{requirement(iso, "9.2.2").pk}"' in chapter
    assert f'id="requirement-{requirement(iso, "6.2.1").pk}"' not in chapter
    # the linked item opens in the workspace, never on the structure's pages
    assert re.search(rf'href="/audit/{audited.pk}/evidence/\d+/"', page)
    assert 'href="/evidence/' not in page


def test_only_the_engagements_referentials_are_shown(auditor_browser, audited, org, qm):
    other, clauses = make_referential(code="iso14001", clauses=[
        ("4", None, [], None), ("4.1", "4", ["maintain"], None)])
    tailoring.adopt(qm, org, other)
    linked_evidence(qm, org, [clauses["4.1"]], "Analyse environnementale")
    page = auditor_browser.get(f"/audit/{audited.pk}/checklist/").content.decode()
    assert f'id="requirement-{clauses["4.1"].pk}"' not in page and "ISO14001" not in page
    asked = auditor_browser.get(f"/audit/{audited.pk}/checklist/", {"referential": other.pk})
    assert f'id="requirement-{clauses["4.1"].pk}"' not in asked.content.decode()
    evidence = auditor_browser.get(f"/audit/{audited.pk}/evidence/").content.decode()
    assert "Analyse environnementale" not in evidence


def test_the_evidence_is_served_in_its_version_in_force_on_the_audit_date(
        audited, audit_user, iso, qm, org):
    with at(BEFORE_AUDIT):
        item = linked_evidence(qm, org, [requirement(iso, "9.2.2")], "Audit interne 2026",
                               name="audit-2026.txt", data=b"Rapport d'audit interne 2026\n")
    with at(AFTER_AUDIT):
        new_version(qm, item.pk, "audit-2027.txt", b"Rapport d'audit interne corrige\n")
        [shown] = auditor_evidence(audited)
        assert (shown.revision_in_force_number, shown.later_revision) == (1, True)
        assert [stored.name for stored in auditor_files(audited)] == ["audit-2026.txt"]
        later = StoredFile.objects.get(name="audit-2027.txt")
        client = signed_in(audit_user)
        page = client.get(f"/audit/{audited.pk}/evidence/{item.pk}/").content.decode()
        assert "audit-2026.txt" in page and "audit-2027.txt" not in page
        assert 'id="later-revision"' in page
        download = client.get(f"/audit/{audited.pk}/files/{later.pk}/download/")
        assert download.status_code == 404
        kept = StoredFile.objects.get(name="audit-2026.txt")
        response = client.get(f"/audit/{audited.pk}/files/{kept.pk}/download/")
        assert b"".join(response.streaming_content) == b"Rapport d'audit interne 2026\n"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Checksum-SHA256"] == kept.sha256
    [refused] = events("auditor.refused")
    assert refused.organization_id == org.pk and refused.after == {
        "engagement": audited.pk, "status": 404, "method": "GET",
        "path": f"/audit/{audited.pk}/files/{later.pk}/download/"}
    [download_event] = events("auditor.download")
    assert (download_event.object_id, download_event.after["engagement"]) == (
        str(kept.pk), audited.pk)


def test_an_item_with_no_version_by_the_audit_date_is_listed_without_files(
        audited, audit_user, iso, qm, org):
    with at(AFTER_AUDIT):
        item = linked_evidence(qm, org, [requirement(iso, "9.2.2")], "Audit interne 2027")
        [shown] = auditor_evidence(audited)
        assert (shown.pk, shown.revision_in_force_id) == (item.pk, None)
        assert not auditor_files(audited).exists()
        page = signed_in(audit_user).get(f"/audit/{audited.pk}/evidence/{item.pk}/")
    assert "Aucune version de cette preuve" in page.content.decode()


def test_every_auditor_visit_is_in_the_trail_and_members_preview_unlogged(
        auditor_browser, audited, qm, org, iso):
    item = linked_evidence(qm, org, [requirement(iso, "9.2.2")], "Audit interne 2026")
    before = AuditEvent.objects.count()
    for path in ("", "checklist/", "evidence/", f"evidence/{item.pk}/"):
        assert auditor_browser.get(f"/audit/{audited.pk}/{path}").status_code == 200
    logged = list(AuditEvent.objects.order_by("pk")[before:])
    assert [event.action for event in logged] == ["auditor.page"] * 3 + ["auditor.view"]
    assert {event.organization_id for event in logged} == {org.pk}
    assert [event.after["path"] for event in logged] == [
        f"/audit/{audited.pk}/{path}" for path in ("", "checklist/", "evidence/",
                                                       f"evidence/{item.pk}/")]
    assert all(event.after["engagement"] == audited.pk for event in logged)
    preview = Client()
    preview.force_login(qm)
    with at(DURING):
        settings_page = preview.get(f"/structures/{org.pk}/settings/audits/{audited.pk}/")
        assert f'href="/audit/{audited.pk}/" id="workspace-preview-link"' in (
            settings_page.content.decode())
        page = preview.get(f"/audit/{audited.pk}/checklist/").content.decode()
    assert 'id="workspace-preview"' in page and "Mes structures" in page
    assert AuditEvent.objects.count() == before + 4


def test_refusals_elsewhere_belong_to_no_structure(auditor_browser, audited, other_org, member):
    neighbour_qm = member(Role.QUALITY_MANAGER, other_org, username="voisin")
    theirs = Engagement.objects.create(
        organization=other_org, created_by=neighbour_qm, kind=EngagementKind.RENEWAL,
        start_date=datetime.date(2027, 2, 15), end_date=datetime.date(2027, 2, 16))
    assert auditor_browser.get(f"/audit/{theirs.pk}/").status_code == 404
    assert auditor_browser.get(f"/structures/{other_org.pk}/").status_code == 404
    api = auditor_browser.get(f"/api/v1/audit/engagements/{theirs.pk}/checklist/")
    assert api.status_code == 404
    refused = events("auditor.refused")
    assert [(event.organization_id, event.after["status"]) for event in refused] == [
        (None, 404)] * 3
    assert refused[0].after["engagement"] == theirs.pk and "engagement" not in refused[1].after


def test_structure_routes_give_an_auditor_nothing(auditor_browser, audited, qm, org, iso):
    linked_evidence(qm, org, [requirement(iso, "9.2.2")], "Audit interne 2026")
    for path in ("/api/v1/evidence/", "/api/v1/engagements/", "/api/v1/adoptions/",
                 "/api/v1/organizations/", "/api/v1/audit-events/"):
        response = auditor_browser.get(path)
        assert (response.status_code, response.json()["count"]) == (200, 0), path
    assert events("auditor.refused") == []  # an empty list is no refusal


def test_a_user_with_no_access_and_no_structure_stays_on_the_home(db):
    client = Client()
    client.force_login(UserFactory(username="personne"))
    assert client.get("/").status_code == 200


def test_a_workspace_form_sent_is_left_to_its_service_to_record(audited, audit_user, rf):
    """The decorator other parts put on their workspace pages logs what a GET shows, never a
    POST (the write's service records it)."""
    from django.http import HttpResponse

    from audit_prep.roles import Action
    from audits.workspace.guard import auditor_page

    @auditor_page("page", Action.AUDIT)
    def form(request, engagement):
        return HttpResponse(status=302 if request.method == "POST" else 200)

    audit_user.is_verified = lambda: True
    with at(DURING):
        for method in ("get", "post"):
            request = getattr(rf, method)(f"/audit/{audited.pk}/form/")
            request.user = audit_user
            form(request, audited.pk)
    assert [(event.action, event.after["path"]) for event in events("auditor.page")] == [
        ("auditor.page", f"/audit/{audited.pk}/form/")]
