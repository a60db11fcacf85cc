"""Where people see suggested tags (decision 0032): the item's page (a block to link or dismiss
each, with htmx or without JavaScript), the upload result, and the checklist's "existing
evidence that might fit" for a missing requirement (page and API)."""

import pytest
from django.test import Client

from audit_prep.roles import Role
from checklists.models import Adoption, EvidenceLink, Requirement, TagSuggestion
from tests.checklists.suggestion_corpus import DOCUMENTS, write

from .suggestions_setup import add_with_file

REVIEW = next(doc for doc in DOCUMENTS if doc.key == "revue-direction-2025")
HTMX = {"HTTP_HX_REQUEST": "true"}


def _signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(user)
    return client


def _review_item(api, org, tmp_path):
    path, _mime = write(REVIEW, tmp_path, 0)
    return add_with_file(api, org, path, "CR réunion 12-02-2025")


def _requirement(follows_all, ref_id, code="iso9001"):
    return Requirement.objects.get(referential=follows_all[code], ref_id=ref_id)


def test_the_item_page_proposes_9_3_and_links_it_without_javascript(api, org, qm, follows_all,
                                                                    tmp_path):
    item = _review_item(api, org, tmp_path)
    page = _signed_in(qm)
    review = _requirement(follows_all, "9.3")

    html = page.get(f"/evidence/{item.pk}/").content.decode()

    assert "Exigences suggérées" in html
    block = html[html.index('id="suggestions"'):]
    assert f'id="suggestion-{review.pk}"' in block
    assert "revue de direction" in block.lower()
    response = page.post(f"/evidence/{item.pk}/suggestions/{review.pk}/accept/")
    assert response.status_code == 302
    assert response["Location"] == f"/evidence/{item.pk}/#suggestions"
    assert EvidenceLink.objects.filter(evidence=item, requirement=review).exists()
    after = page.get(response["Location"]).content.decode()
    assert "Reliée à ISO 9001:2015 9.3." in after


def test_htmx_swaps_the_block_and_the_links(api, org, qm, follows_all, tmp_path):
    item = _review_item(api, org, tmp_path)
    page = _signed_in(qm)
    page.get(f"/evidence/{item.pk}/")
    review, inputs = _requirement(follows_all, "9.3"), _requirement(follows_all, "9.3.2")

    linked = page.post(f"/evidence/{item.pk}/suggestions/{review.pk}/accept/", **HTMX)
    dismissed = page.post(f"/evidence/{item.pk}/suggestions/{inputs.pk}/dismiss/", **HTMX)

    assert linked.status_code == 200
    html = linked.content.decode()
    assert html.count('id="links-block" hx-swap-oob="true"') == 1
    assert "Reliée à ISO 9001:2015 9.3." in html
    assert f'id="suggestion-{review.pk}"' not in html
    assert dismissed.status_code == 200
    assert f'id="suggestion-{inputs.pk}"' not in dismissed.content.decode()
    assert TagSuggestion.objects.get(evidence=item, requirement=inputs).decision == "dismissed"
    again = page.post(f"/evidence/{item.pk}/suggestions/{inputs.pk}/dismiss/", **HTMX)
    assert again.status_code == 400
    assert "suggestion en attente" in again.content.decode()


def test_a_viewer_sees_the_suggestions_without_buttons(api, org, member, follows_all,
                                                       tmp_path):
    item = _review_item(api, org, tmp_path)
    viewer = member(Role.VIEWER)

    html = _signed_in(viewer).get(f"/evidence/{item.pk}/").content.decode()

    block = html[html.index('id="suggestions"'):]
    assert "9.3" in block and "/accept/" not in block
    assert _signed_in(viewer).post(
        f"/evidence/{item.pk}/suggestions/{_requirement(follows_all, '9.3').pk}/accept/"
    ).status_code == 403


def test_the_upload_result_leads_to_the_suggestions(api, org, qm, follows_all, tmp_path):
    path, _mime = write(REVIEW, tmp_path, 0)
    page = _signed_in(qm)
    with path.open("rb") as handle:
        response = page.post(f"/structures/{org.pk}/evidence/new/", {
            "files": handle, "kind": "record", "effective_date": "2026-02-12"}, **HTMX)
    assert response.status_code == 201, response.content.decode()[:500]
    assert "#suggestions" in response.content.decode()


def test_the_checklist_offers_existing_evidence_for_a_missing_requirement(
        api, org, qm, follows_all, tmp_path):
    item = _review_item(api, org, tmp_path)
    adoption = Adoption.objects.get(organization=org, referential=follows_all["iso9001"])
    review = _requirement(follows_all, "9.3")
    page = _signed_in(qm)
    matching = f"/checklists/{adoption.pk}/requirements/{review.pk}/matching-evidence/"

    checklist = page.get(f"/checklists/{adoption.pk}/").content.decode()
    shown = page.get(matching)

    assert matching in checklist
    assert "Preuves existantes qui pourraient convenir" in checklist
    html = shown.content.decode()
    assert shown.status_code == 200 and item.title in html
    row = TagSuggestion.objects.get(evidence=item, requirement=review)
    assert (row.source, row.rank, row.decision) == ("requirement", 1, "")
    response = page.post(f"/evidence/{item.pk}/suggestions/{review.pk}/accept/",
                         {"next": matching})
    assert response["Location"] == matching
    assert EvidenceLink.objects.filter(evidence=item, requirement=review).exists()
    assert item.title not in page.get(matching).content.decode()  # linked now


def test_the_api_gives_a_requirements_matching_evidence(api, client_for, outsider, org,
                                                        follows_all, tmp_path):
    item = _review_item(api, org, tmp_path)
    adoption = Adoption.objects.get(organization=org, referential=follows_all["iso9001"])
    review = _requirement(follows_all, "9.3")
    path = f"/api/v1/adoptions/{adoption.pk}/requirements/{review.pk}/matching-evidence/"

    found = api.get(path)

    assert found.status_code == 200
    first = found.json()[0]
    assert (first["evidence"], first["rank"], first["recorded"]) == (item.pk, 1, True)
    assert "revue de direction" in {word.lower() for word in first["words"]}
    assert client_for(outsider).get(path).status_code == 404
    other = _requirement(follows_all, "PASS-IAE", "fr-siae-regulatory")
    assert api.get(f"/api/v1/adoptions/{adoption.pk}/requirements/{other.pk}/"
                   "matching-evidence/").status_code == 404


def test_quality_managers_read_the_acceptance_rate_in_the_settings(api, org, qm, member,
                                                                   follows_all, tmp_path):
    item = _review_item(api, org, tmp_path)
    page = _signed_in(qm)
    page.get(f"/evidence/{item.pk}/")
    review, inputs = _requirement(follows_all, "9.3"), _requirement(follows_all, "9.3.2")
    page.post(f"/evidence/{item.pk}/suggestions/{review.pk}/accept/")
    page.post(f"/evidence/{item.pk}/suggestions/{inputs.pk}/dismiss/")
    shown = TagSuggestion.objects.count()

    html = page.get(f"/structures/{org.pk}/settings/referentials/").content.decode()

    assert (f"Exigences suggérées : 50,0 % acceptées (1 liées, 1 écartées, {shown} montrées)."
            in " ".join(html.split()))
    contributor = _signed_in(member(Role.CONTRIBUTOR))
    assert "suggestion-rate" not in contributor.get(
        f"/structures/{org.pk}/settings/referentials/").content.decode()


@pytest.mark.parametrize("ranked_at_most", [1_000, 1])
def test_the_matching_evidence_puts_the_right_item_first(api, org, follows_all, tmp_path,
                                                         monkeypatch, ranked_at_most):
    """Three files in the vault: for ISO 9001 7.2 (competence) the training attendance sheet
    comes first, for 8.4 the supplier evaluation; also where a search stops at fewer items
    than match (any of a requirement's words matches most of a large vault)."""
    from evidence import search

    monkeypatch.setattr(search, "RANKED_AT_MOST", ranked_at_most)
    keys = ["revue-direction-2025", "emargement-sst", "evaluation-fournisseurs"]
    items = {}
    for index, key in enumerate(keys):
        document = next(doc for doc in DOCUMENTS if doc.key == key)
        path, _mime = write(document, tmp_path, index)
        items[key] = add_with_file(api, org, path, document.title)
    adoption = Adoption.objects.get(organization=org, referential=follows_all["iso9001"])

    def first(ref_id):
        requirement = _requirement(follows_all, ref_id)
        found = api.get(f"/api/v1/adoptions/{adoption.pk}/requirements/{requirement.pk}/"
                        "matching-evidence/").json()
        return found[0]["evidence"]

    assert first("7.2") == items["emargement-sst"].pk
    assert first("8.4") == items["evaluation-fournisseurs"].pk
    assert first("9.3") == items["revue-direction-2025"].pk


def test_ids_out_of_range_are_refused_not_failed(api, org, qm, follows_all, tmp_path):
    item = _review_item(api, org, tmp_path)
    adoption = Adoption.objects.get(organization=org, referential=follows_all["iso9001"])
    huge = "9" * 30
    page = _signed_in(qm)

    accepted = api.post(f"/api/v1/evidence/{item.pk}/suggestions/{huge}/accept/")
    matching = api.get(f"/api/v1/adoptions/{adoption.pk}/requirements/{huge}/matching-evidence/")
    dismissed = page.post(f"/evidence/{item.pk}/suggestions/{huge}/dismiss/", **HTMX)
    shown = page.get(f"/checklists/{adoption.pk}/requirements/{huge}/matching-evidence/")

    assert accepted.status_code == 400
    assert accepted.json()["error"]["fields"]["requirement"][0]["code"] == "not_suggested"
    assert (matching.status_code, dismissed.status_code, shown.status_code) == (404, 400, 404)
