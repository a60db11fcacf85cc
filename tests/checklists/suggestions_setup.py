"""Fixtures of the suggested-tags tests: the shipped referential libraries imported and
followed by the structure, and real files uploaded and verified (text extracted) as in the
vault."""

from pathlib import Path

import pytest

from checklists.library import load_library
from checklists.models import Referential
from checklists.services import tailoring
from checklists.services.importer import import_library
from evidence import verification
from evidence.models import EvidenceItem, Revision, VerificationStatus

LIBRARIES = Path(__file__).resolve().parents[2] / "checklists" / "libraries"


def import_shipped() -> list[Referential]:
    return [import_library(load_library(path)).referential
            for path in sorted(LIBRARIES.glob("*.yaml"))]


@pytest.fixture
def follows_all(org, qm):
    """`org` follows every shipped referential; returns them by code."""
    referentials = import_shipped()
    for referential in referentials:
        tailoring.adopt(qm, org, referential, None, 30)
    return {referential.code: referential for referential in referentials}


def add_with_file(api, org, path: Path, title: str, **fields) -> EvidenceItem:
    """A new item holding the file, verified as the worker does (its text extracted)."""
    with path.open("rb") as handle:
        response = api.post("/api/v1/evidence/", {
            "organization": org.pk, "title": title, "kind": "record",
            "effective_date": "2026-02-12", "files": [handle], **fields}, format="multipart")
    assert response.status_code == 201, response.content
    item = EvidenceItem.objects.get(pk=response.json()["id"])
    revision = Revision.objects.get(evidence=item)
    assert verification.verify_revision(revision.pk) == VerificationStatus.VERIFIED
    return item
