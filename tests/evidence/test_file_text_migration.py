"""Migration evidence 0008 moves the extracted text from StoredFile.text to FileText and keeps
every text (and gives it back when migrated backwards)."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from evidence.models import FileText, VerificationStatus

BEFORE = [("evidence", "0007_remove_evidenceitem_expiry_state")]
TEXT = "Compte rendu de la revue de direction : objectifs « qualité » atteints.\n" * 50


def _migrate(targets):
    """Migrate to `targets` and return the models as they are there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.migrations
@pytest.mark.django_db(transaction=True)
def test_texts_move_to_their_own_table_and_back(org, qm):
    old = _migrate(BEFORE)
    # The models as they were then (later migrations added columns to evidence items).
    evidence = old.get_model("evidence", "EvidenceItem").objects.create(
        organization_id=org.pk, title="Revue de direction", kind="record",
        effective_date=datetime.date(2026, 1, 15), created_by_id=qm.pk)
    revision = old.get_model("evidence", "Revision").objects.create(
        evidence_id=evidence.pk, number=1, created_by_id=qm.pk,
        verification_status=VerificationStatus.VERIFIED)
    OldStoredFile = old.get_model("evidence", "StoredFile")
    files = {text: OldStoredFile.objects.create(
        organization_id=org.pk, revision_id=revision.pk, name=f"f{number}.pdf", size=1,
        mime_type="application/pdf", sha256=f"{number:064d}", storage_key=f"o/{number}",
        text=text).pk
        for number, text in enumerate([TEXT, "", "Registre des entrées"])}

    _migrate(_latest())

    kept = dict(FileText.objects.values_list("stored_file_id", "text"))
    assert kept == {files[TEXT]: TEXT, files["Registre des entrées"]: "Registre des entrées"}

    back = _migrate(BEFORE)
    texts = dict(back.get_model("evidence", "StoredFile").objects.values_list("pk", "text"))
    assert texts == {pk: text for text, pk in files.items()}
    _migrate(_latest())
