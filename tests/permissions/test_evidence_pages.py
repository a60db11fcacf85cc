"""Permission matrix of what a person does on an evidence item's page: the workflow forms, the
details form, tagging, and the in-browser preview of a file. Subjects and the world: see
`world.py`; the checks: `base.py`.

The pages answer as the API's routes decide (the same services and `access` choke point):
anonymous visitors are sent to sign in and nothing changes, a role that may not act gets a 403
page, another structure's item a 404 page; a success redirects back to the item's page."""

import datetime

import pytest
from rest_framework.test import APIClient

from audit_prep.models import AuditEvent
from checklists.models import EvidenceLink
from evidence.models import EvidenceItem, EvidenceStatus, StoredFile
from tests.conftest import upload
from tests.filemakers import make_png

from .base import Area, Endpoint, MatrixSuite

PAGE = "/evidence/{evidence}/"


def _details(w):
    return {"title": "Revue de direction 2026 (v2)", "kind": "document",
            "effective_date": "2026-01-15", "renewal_months": "12", "tags": "revue"}


ENDPOINTS = [
    Endpoint("evidence-page-edit", "GET", PAGE + "edit/"),
    Endpoint("evidence-page-edit", "POST", PAGE + "edit/", data=_details, multipart=True),
    Endpoint("evidence-page-submit", "POST", PAGE + "submit/", data=lambda w: {},
             multipart=True),
    Endpoint("evidence-page-approve", "POST", PAGE + "approve/", data=lambda w: {},
             multipart=True),
    Endpoint("evidence-page-archive", "POST", PAGE + "archive/",
             data=lambda w: {"reason": "Remplacee par la revue 2027"}, multipart=True),
    Endpoint("evidence-page-review", "POST", PAGE + "review/",
             data=lambda w: {"reviewed_on": "2026-06-01", "note": "Relue, toujours valable"},
             multipart=True),
    Endpoint("evidence-page-requirements", "GET", PAGE + "requirements/"),
    Endpoint("evidence-page-link", "POST", PAGE + "links/",
             data=lambda w: {"requirement": w.ids["library_requirement"]}, multipart=True),
    Endpoint("evidence-page-unlink", "POST", PAGE + "links/{link}/remove/", data=lambda w: {},
             multipart=True),
    Endpoint("file-preview", "GET", "/files/{image}/preview/"),
]

# fmt: off
MATRIX = {
    # endpoint                          anonymous viewer contributor quality_manager outsider
    "evidence-page-edit GET":               (302,  403,   200,        200,            404),
    "evidence-page-edit POST":              (302,  403,   302,        302,            404),
    "evidence-page-submit POST":            (302,  403,   302,        302,            404),
    "evidence-page-approve POST":           (302,  403,   403,        302,            404),
    "evidence-page-archive POST":           (302,  403,   403,        302,            404),
    "evidence-page-review POST":            (302,  403,   403,        302,            404),
    # tagging: those who may change the item, as the API's link routes
    "evidence-page-requirements GET":       (302,  403,   200,        200,            404),
    "evidence-page-link POST":              (302,  403,   302,        302,            404),
    "evidence-page-unlink POST":            (302,  403,   302,        302,            404),
    # a preview is a download
    "file-preview GET":                     (302,  200,   200,        200,            404),
}
# fmt: on


def _html_of_org(endpoint, w, subject, response):
    assert response["Content-Type"].startswith("text/html")
    assert w.org.name in response.content.decode()


def _back_to_the_page(response, w):
    assert response["Location"].startswith(PAGE.format(**w.ids))


def _item_is(**fields):
    def check(w, response, user):
        _back_to_the_page(response, w)
        item = EvidenceItem.objects.get(pk=w.ids["evidence"])
        for name, value in fields.items():
            assert getattr(item, name) == (user.pk if value == "<actor>" else value), name
    return check


def _linked(w, response, user):
    _back_to_the_page(response, w)
    assert EvidenceLink.objects.filter(evidence_id=w.ids["evidence"],
                                       requirement_id=w.ids["library_requirement"],
                                       created_by=user).exists()


def _unlinked(w, response, user):
    _back_to_the_page(response, w)
    assert not EvidenceLink.objects.filter(pk=w.ids["link"]).exists()


def _previewed(w, response, user):
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert response["Content-Disposition"] == 'inline; filename="affichage.png"'
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_id, event.after["inline"]) == (
        "file.download", str(w.ids["image"]), True)


EFFECTS = {
    "evidence-page-edit POST": _item_is(title="Revue de direction 2026 (v2)"),
    "evidence-page-submit POST": _item_is(status=EvidenceStatus.IN_REVIEW),
    "evidence-page-approve POST": _item_is(status=EvidenceStatus.APPROVED,
                                           approved_by_id="<actor>"),
    "evidence-page-archive POST": _item_is(status=EvidenceStatus.ARCHIVED,
                                           archive_reason="Remplacee par la revue 2027"),
    "evidence-page-review POST": _item_is(last_reviewed_on=datetime.date(2026, 6, 1)),
    "evidence-page-link POST": _linked,
    "evidence-page-unlink POST": _unlinked,
    "file-preview GET": _previewed,
}


class TestEvidencePages(MatrixSuite):
    area = Area(
        endpoints=ENDPOINTS, matrix=MATRIX, effects=EFFECTS,
        reads={"evidence-page-edit": _html_of_org, "evidence-page-requirements": _html_of_org},
        audited_reads=frozenset({"file-preview"}),
    )

    @pytest.fixture
    def world(self, world, tmp_path):
        """The world, and in its item a second version holding an image (the world's own
        file is a text file, which has no preview): `image` in its ids."""
        client = APIClient()
        client.force_authenticate(world.users["quality_manager"])
        with make_png(tmp_path / "affichage.png").open("rb") as png:
            assert upload(client, world.ids["evidence"], png).status_code == 201
        world.ids["image"] = StoredFile.objects.get(name="affichage.png").pk
        return world
