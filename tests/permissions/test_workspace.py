"""Permission matrix of the auditor's workspace (pages and API), on the auditor's base
(`auditors.py`: subjects, world, checks, how to add routes). The auditor with an open access
and the second factor reads their engagement's checklist and evidence on the audit date; every
other auditor (before, after, revoked, without the second factor, of another engagement or
structure) gets 404 and is logged; members of the structure preview the pages unlogged; no
structure endpoint answers an auditor anything."""

from .auditors import AuditorArea, AuditorMatrixSuite
from .base import Endpoint

AUDIT = "/audit/{engagement}/"
API = "/api/v1/audit/engagements/"

ENDPOINTS = [
    Endpoint("audit-workspace", "GET", "/audit/"),
    Endpoint("audit-engagement", "GET", AUDIT),
    Endpoint("audit-engagement", "POST", AUDIT, data=lambda w: {}),
    Endpoint("audit-checklist", "GET", AUDIT + "checklist/"),
    Endpoint("audit-evidence", "GET", AUDIT + "evidence/"),
    Endpoint("audit-evidence-page", "GET", AUDIT + "evidence/{audit_evidence}/"),
    Endpoint("audit-evidence-page", "GET", AUDIT + "evidence/{evidence}/", "not linked"),
    Endpoint("audit-file-preview", "GET", AUDIT + "files/{audit_file}/preview/"),
    Endpoint("audit-file-download", "GET", AUDIT + "files/{audit_file}/download/"),
    Endpoint("audit-file-download", "GET", AUDIT + "files/{file}/download/", "not linked"),
    Endpoint("auditengagement-list", "GET", API),
    Endpoint("auditengagement-detail", "GET", API + "{engagement}/"),
    Endpoint("auditengagement-checklist", "GET", API + "{engagement}/checklist/"),
    Endpoint("auditengagement-evidence", "GET", API + "{engagement}/evidence/"),
    Endpoint("auditengagement-download", "GET", API + "{engagement}/files/{audit_file}/download/"),
    Endpoint("auditengagement-download", "GET", API + "{engagement}/files/{file}/download/",
             "not linked"),
    # structure routes: nothing for an auditor, who holds no grant on the structure
    Endpoint("structure-home", "GET", "/structures/{org}/", "as auditor"),
    Endpoint("evidence-page", "GET", "/evidence/{audit_evidence}/", "as auditor"),
    Endpoint("evidence-detail", "GET", "/api/v1/evidence/{audit_evidence}/", "as auditor"),
    Endpoint("storedfile-download", "GET", "/api/v1/files/{audit_file}/download/", "as auditor"),
    Endpoint("engagement-detail", "GET", "/api/v1/engagements/{engagement}/", "as auditor"),
]

# fmt: off
MATRIX = {
    # anonymous viewer contributor quality_manager outsider | auditor: open, unverified,
    # before, after, revoked, of another engagement of org, of other_org's engagement
    "audit-workspace GET":
        (302, 200, 200, 200, 200, 200, 302, 200, 200, 200, 200, 200),
    "audit-engagement GET":
        (302, 200, 200, 200, 404, 200, 302, 404, 404, 404, 404, 404),
    "audit-engagement POST":
        (405, 405, 405, 405, 405, 405, 302, 405, 405, 405, 405, 405),
    "audit-checklist GET":
        (302, 200, 200, 200, 404, 200, 302, 404, 404, 404, 404, 404),
    "audit-evidence GET":
        (302, 200, 200, 200, 404, 200, 302, 404, 404, 404, 404, 404),
    "audit-evidence-page GET":
        (302, 200, 200, 200, 404, 200, 302, 404, 404, 404, 404, 404),
    "audit-evidence-page GET not linked":
        (302, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404),
    "audit-file-preview GET":
        (302, 200, 200, 200, 404, 200, 302, 404, 404, 404, 404, 404),
    "audit-file-download GET":
        (302, 200, 200, 200, 404, 200, 302, 404, 404, 404, 404, 404),
    "audit-file-download GET not linked":
        (302, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404),
    "auditengagement-list GET":
        (401, 200, 200, 200, 200, 200, 403, 200, 200, 200, 200, 200),
    "auditengagement-detail GET":
        (401, 200, 200, 200, 404, 200, 403, 404, 404, 404, 404, 404),
    "auditengagement-checklist GET":
        (401, 200, 200, 200, 404, 200, 403, 404, 404, 404, 404, 404),
    "auditengagement-evidence GET":
        (401, 200, 200, 200, 404, 200, 403, 404, 404, 404, 404, 404),
    "auditengagement-download GET":
        (401, 200, 200, 200, 404, 200, 403, 404, 404, 404, 404, 404),
    "auditengagement-download GET not linked":
        (401, 404, 404, 404, 404, 404, 403, 404, 404, 404, 404, 404),
    "structure-home GET as auditor":
        (302, 200, 200, 200, 404, 404, 302, 404, 404, 404, 404, 404),
    "evidence-page GET as auditor":
        (302, 200, 200, 200, 404, 404, 302, 404, 404, 404, 404, 404),
    "evidence-detail GET as auditor":
        (401, 200, 200, 200, 404, 404, 403, 404, 404, 404, 404, 404),
    "storedfile-download GET as auditor":
        (401, 200, 200, 200, 404, 404, 403, 404, 404, 404, 404, 404),
    "engagement-detail GET as auditor":
        (401, 200, 200, 200, 404, 404, 403, 404, 404, 404, 404, 404),
}
# fmt: on

VERBS = {
    "audit-engagement GET": "page", "audit-checklist GET": "page", "audit-evidence GET": "page",
    "audit-evidence-page GET": "view", "audit-file-preview GET": "download",
    "audit-file-download GET": "download", "auditengagement-detail GET": "view",
    "auditengagement-checklist GET": "view", "auditengagement-evidence GET": "view",
    "auditengagement-download GET": "download",
    "storedfile-download GET as auditor": "download",
}


def _my_engagements(endpoint, w, subject, response):
    """Each auditor lists exactly the engagements open to them today, each apart: the open
    ones of `org`'s engagement, of its other engagement, of `other_org`'s; members none."""
    expected = {"auditor": [w.ids["engagement"]],
                "auditor_same_structure": [w.ids["other_engagement"]],
                "auditor_other_structure": [w.other_ids["engagement"]]}.get(subject, [])
    everyone = (w.ids["engagement"], w.ids["other_engagement"], w.other_ids["engagement"])
    if endpoint.is_api:
        assert [item["id"] for item in response.json()["results"]] == expected
    else:
        text = response.content.decode()
        assert [pk for pk in everyone if f'href="/audit/{pk}/"' in text] == expected
        if subject == "auditor_other_structure":
            assert w.other_org.name in text and w.org.name not in text


def _page_of_org(endpoint, w, subject, response):
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/html") and w.org.name in text
    assert ("workspace-preview" in text) == (subject != "auditor")


def _evidence_listed(endpoint, w, subject, response):
    """The engagement's evidence only: the item linked to 9.3.3 (and the answer of the
    world's evidence request, linked to 7.2), not the one of the own list."""
    if endpoint.is_api:
        listed = [item["id"] for item in response.json()["results"]]
        assert w.ids["audit_evidence"] in listed and w.ids["evidence"] not in listed
    else:
        text = response.content.decode()
        assert f'/evidence/{w.ids["audit_evidence"]}/"' in text
        assert f'/evidence/{w.ids["evidence"]}/"' not in text


def _png(endpoint, w, subject, response):
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def _checklist(endpoint, w, subject, response):
    if endpoint.is_api:
        [data] = response.json()["checklists"]
        assert data["reference_date"] == "2027-03-15"
    else:
        _page_of_org(endpoint, w, subject, response)


READS = {"audit-workspace": _my_engagements, "auditengagement-list": _my_engagements,
         "audit-engagement": _page_of_org, "audit-checklist": _checklist,
         "auditengagement-checklist": _checklist,
         "audit-evidence": _evidence_listed, "auditengagement-evidence": _evidence_listed,
         "audit-file-preview": _png, "audit-file-download": _png,
         "auditengagement-download": _png}


class TestWorkspace(AuditorMatrixSuite):
    area = AuditorArea(endpoints=ENDPOINTS, matrix=MATRIX, verbs=VERBS, reads=READS)
