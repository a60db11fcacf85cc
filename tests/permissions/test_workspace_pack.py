"""Permission matrix of the sealed pack in the auditor's workspace, on the auditor's base
(`auditors.py`): the auditor with an open access and the second factor lists the engagement's
built packs and downloads one (`auditor.download` naming the engagement and the pack); every
other auditor gets 404, logged; members preview and download as from the structure's pages
(`audit_pack.download`); a pack of another audit, or one not built, is 404 for everyone."""

import pytest
import time_machine

from audit_prep.models import AuditEvent
from audits.models import Engagement
from audits.packs import builder, services

from .auditors import DURING, AuditorArea, AuditorMatrixSuite, auditor_world, session_client
from .base import Endpoint

AUDIT = "/audit/{engagement}/"

ENDPOINTS = [
    Endpoint("audit-sealed-pack", "GET", AUDIT + "pack/"),
    Endpoint("audit-sealed-pack-download", "GET", AUDIT + "pack/{audit_pack}/download/"),
    Endpoint("audit-sealed-pack-download", "GET", AUDIT + "pack/{queued_pack}/download/",
             "not built"),
    Endpoint("audit-sealed-pack-download", "GET", AUDIT + "pack/{pack}/download/",
             "of another audit"),
]

# fmt: off
MATRIX = {
    # anonymous viewer contributor quality_manager outsider | auditor: open, unverified,
    # before, after, revoked, of another engagement of org, of other_org's engagement
    "audit-sealed-pack GET":
        (302, 200, 200, 200, 404, 200, 302, 404, 404, 404, 404, 404),
    "audit-sealed-pack-download GET":
        (302, 200, 200, 200, 404, 200, 302, 404, 404, 404, 404, 404),
    "audit-sealed-pack-download GET not built":
        (302, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404),
    "audit-sealed-pack-download GET of another audit":
        (302, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404),
}
# fmt: on


def _packs_listed(endpoint, w, subject, response):
    """The built pack of this audit only, with its seal and its link."""
    text = response.content.decode()
    assert f'/audit/{w.ids["engagement"]}/pack/{w.ids["audit_pack"]}/download/' in text
    assert f'/pack/{w.ids["queued_pack"]}/download/' not in text
    assert w.ids["audit_pack_seal"] in text
    assert ("workspace-preview" in text) == (subject != "auditor")


def _zip(endpoint, w, subject, response):
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert response["Content-Disposition"].startswith('attachment; filename="dossier-audit_')


class TestWorkspacePack(AuditorMatrixSuite):
    area = AuditorArea(endpoints=ENDPOINTS, matrix=MATRIX, reads={
        "audit-sealed-pack": _packs_listed, "audit-sealed-pack-download": _zip},
        verbs={"audit-sealed-pack GET": "page", "audit-sealed-pack-download GET": "download"},
        member_download="audit_pack.download")

    @pytest.fixture
    def world(self, world, tmp_path):
        """The auditors' world (`auditors.auditor_world`), where the engagement they audit
        gets a built pack and one still queued."""
        with time_machine.travel(DURING, tick=False):
            world = auditor_world(world, tmp_path)
            engagement = Engagement.objects.get(pk=world.ids["engagement"])
            qm = world.users["quality_manager"]
            built, queued = services.seal(qm, engagement), services.seal(qm, engagement)
            assert builder.build(built.pk).startswith("built")
            built.refresh_from_db()
            world.ids.update(audit_pack=built.pk, audit_pack_seal=built.seal,
                             queued_pack=queued.pk)
            yield world


    def test_the_auditors_download_is_logged_with_the_pack(self, world):
        """What the access log export reads: `auditor.download`, the engagement, the pack,
        its seal."""
        client = session_client(world, "auditor")
        response = client.get(AUDIT.format(**world.ids)
                              + f"pack/{world.ids['audit_pack']}/download/")

        assert response.status_code == 200
        event = AuditEvent.objects.order_by("-id").first()
        assert (event.action, event.after["engagement"], event.after["pack"],
                event.after["seal"]) == ("auditor.download", world.ids["engagement"],
                                         world.ids["audit_pack"], world.ids["audit_pack_seal"])
