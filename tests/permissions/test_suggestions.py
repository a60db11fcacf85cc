"""Permission matrix of suggested tags (decision 0032): an item's suggestions are read by
whoever may see the item; accepting or dismissing one is linking, for whoever may change the
item; the acceptance figures show the structures whose referentials the person manages.
Subjects and the world: see `world.py`; the checks: `base.py`.

A suggestion shown to someone who may decide is recorded (`TagSuggestion`, a ledger of what
was shown, like the download trail): it is not among the tables a read must leave unchanged."""

import pytest
from django.utils import timezone

from checklists.models import EvidenceLink, TagSuggestion

from .base import Area, Endpoint, MatrixSuite

ITEM = "/api/v1/evidence/{evidence}/suggestions/"
ONE = ITEM + "{library_requirement}/"
PAGE_ONE = "/evidence/{evidence}/suggestions/{library_requirement}/"
MATCHING = "/requirements/{library_requirement}/matching-evidence/"

ENDPOINTS = [
    Endpoint("evidence-suggestion-suggestions", "GET", ITEM),
    Endpoint("evidence-suggestion-accept", "POST", ONE + "accept/", data=lambda w: {}),
    Endpoint("evidence-suggestion-dismiss", "POST", ONE + "dismiss/", data=lambda w: {}),
    Endpoint("suggestion-acceptance", "GET", "/api/v1/suggestions/acceptance/"),
    Endpoint("adoption-matching-matching-evidence", "GET",
             "/api/v1/adoptions/{adoption}" + MATCHING),
    # the pages: the item's suggestions block and the checklist's matching evidence
    Endpoint("evidence-suggestion-page-accept", "POST", PAGE_ONE + "accept/",
             data=lambda w: {}, multipart=True),
    Endpoint("evidence-suggestion-page-dismiss", "POST", PAGE_ONE + "dismiss/",
             data=lambda w: {}, multipart=True),
    Endpoint("checklist-matching-evidence", "GET", "/checklists/{adoption}" + MATCHING),
]

# fmt: off
MATRIX = {
    # endpoint                                 anonymous viewer contributor quality_manager outsider
    "evidence-suggestion-suggestions GET":     (401,  200,   200,        200,            404),
    "evidence-suggestion-accept POST":         (401,  403,   200,        200,            404),
    "evidence-suggestion-dismiss POST":        (401,  403,   200,        200,            404),
    "suggestion-acceptance GET":               (401,  200,   200,        200,            200),
    "adoption-matching-matching-evidence GET": (401,  200,   200,        200,            404),
    "evidence-suggestion-page-accept POST":    (302,  403,   302,        302,            404),
    "evidence-suggestion-page-dismiss POST":   (302,  403,   302,        302,            404),
    "checklist-matching-evidence GET":         (302,  200,   200,        200,            404),
}
# fmt: on


def _suggestions(endpoint, w, subject, response):
    body = response.json()
    assert body["may_decide"] == (subject in ("contributor", "quality_manager"))
    assert isinstance(body["results"], list)


def _stats(endpoint, w, subject, response):
    structures = {line["organization"]: line for line in response.json()["structures"]}
    mine = {"quality_manager": {w.org.pk}, "outsider": {w.other_org.pk}}.get(subject, set())
    assert set(structures) == mine  # quality managers only, of their own structures
    if subject == "quality_manager":
        assert structures[w.org.pk]["shown"] == 1


def _matching(endpoint, w, subject, response):
    assert isinstance(response.json(), list)


def _html_of_org(endpoint, w, subject, response):
    assert response["Content-Type"].startswith("text/html")
    assert w.org.name in response.content.decode()


def _decided(decision, page=False):
    def check(w, response, user):
        if page:
            assert response["Location"] == f"/evidence/{w.ids['evidence']}/#suggestions"
        row = TagSuggestion.objects.get(evidence_id=w.ids["evidence"],
                                        requirement_id=w.ids["library_requirement"])
        assert (row.decision, row.decided_by_id) == (decision, user.pk)
        if not page:
            assert response.json()["decision"] == decision
        linked = EvidenceLink.objects.filter(evidence_id=w.ids["evidence"],
                                             requirement_id=w.ids["library_requirement"])
        assert linked.exists() == (decision == "accepted")
    return check


class TestSuggestions(MatrixSuite):
    area = Area(
        endpoints=ENDPOINTS, matrix=MATRIX,
        effects={"evidence-suggestion-accept POST": _decided("accepted"),
                 "evidence-suggestion-dismiss POST": _decided("dismissed"),
                 "evidence-suggestion-page-accept POST": _decided("accepted", page=True),
                 "evidence-suggestion-page-dismiss POST": _decided("dismissed", page=True)},
        reads={"evidence-suggestion-suggestions": _suggestions,
               "suggestion-acceptance": _stats,
               "adoption-matching-matching-evidence": _matching,
               "checklist-matching-evidence": _html_of_org},
    )

    @pytest.fixture
    def world(self, world):
        """The world, and in its item the library requirement shown as a suggestion, pending."""
        TagSuggestion.objects.create(
            evidence_id=world.ids["evidence"], requirement_id=world.ids["library_requirement"],
            source="item", rank=1, score=12.5, words=["objectifs"], shown_at=timezone.now())
        return world
