"""Free text refuses control characters (line breaks and tabs allowed in multi-line text) and
invisible formatting characters such as the right-to-left override, the rule file names already
follow (they drop them); the refusal names the field, in French or English, and stores
nothing."""

import importlib
import io
import pkgutil

import pytest
from rest_framework import serializers

from audit_prep.api.fields import SafeTextValidator
from audit_prep.models import AuditEvent, Organization
from audit_prep.text import first_unsafe, strip_unsafe
from evidence.filetypes import sanitise_name
from evidence.models import EvidenceItem

RLO = "\u202e"
BAD = [RLO, "\u202a", "\u2066", "\u2069", "\x07", "\x1b", "\x7f", "\x85", "\u200b", "\ufeff"]


def field_error(response, field: str) -> dict:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    [problem] = error["fields"][field] if isinstance(error["fields"][field], list) else [
        error["fields"][field]]
    return problem


def new_evidence(api, org, **fields):
    return api.post("/api/v1/evidence/", {"organization": org.pk, "title": "Plan",
                                          "kind": "document", "effective_date": "2026-01-01",
                                          **fields}, format="json")


@pytest.mark.parametrize("char", BAD)
def test_a_title_with_a_control_or_bidi_character_is_refused(api, org, char):
    problem = field_error(new_evidence(api, org, title=f"facture{char}fdp.exe.pdf"), "title")
    assert problem["code"] == "control_characters"
    assert "« title »" in problem["message"] and f"U+{ord(char):04X}" in problem["message"]
    assert EvidenceItem.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_the_message_in_english(client_for, qm, org):
    problem = field_error(new_evidence(client_for(qm, language="en"), org, title=f"a{RLO}b"),
                          "title")
    assert problem["message"] == (
        'The field "title" contains an invisible control or formatting character (U+202E, '
        "character 2); remove it and send it again.")


def test_multi_line_text_keeps_its_lines_and_tabs(api, org):
    response = new_evidence(api, org, description="Objet :\r\n\t- former\n\t- évaluer 🙂")
    assert response.status_code == 201, response.content
    problem = field_error(new_evidence(api, org, description=f"Objet{RLO}"), "description")
    assert problem["code"] == "control_characters"
    assert field_error(new_evidence(api, org, title="Plan\nannuel"), "title")["code"] == (
        "control_characters")


def test_tag_names(api, org):
    error = field_error(new_evidence(api, org, tags=["ok", f"rh{RLO}"]), "tags")
    assert error == {"1": [{"code": "control_characters", "message": error["1"][0]["message"]}]}
    assert "« tags »" in error["1"][0]["message"]


def test_organization_names(api, org):
    response = api.patch(f"/api/v1/organizations/{org.pk}/", {"name": "AI du Val\u2066"},
                         format="json")
    assert field_error(response, "name")["code"] == "control_characters"
    assert Organization.objects.get(pk=org.pk).name == "AI du Val"


def test_upload_notes_and_archive_reasons(api, evidence, nothing_stored):
    handle = io.BytesIO(b"note\n")
    handle.name = "note.txt"
    response = api.post(f"/api/v1/evidence/{evidence.pk}/revisions/",
                        {"files": [handle], "note": "version\x1b[31m"}, format="multipart")
    assert field_error(response, "note")["code"] == "control_characters"
    nothing_stored()
    response = api.post(f"/api/v1/evidence/{evidence.pk}/archive/", {"reason": f"doublon{RLO}"},
                        format="json")
    assert field_error(response, "reason")["code"] == "control_characters"
    evidence.refresh_from_db()
    assert evidence.status != "archived"


def test_own_requirement_texts(api, org):
    response = api.post("/api/v1/requirements/", {"organization": org.pk, "ref_id": "R1",
                                                  "name_fr": f"Exigence{RLO}"}, format="json")
    assert field_error(response, "name_fr")["code"] == "control_characters"


def test_requirement_list_imports(api, org):
    data = f"ref_id;name\nR1;Accueil{RLO}\nR2;Suivi\n".encode()
    handle = io.BytesIO(data)
    handle.name = "exigences.csv"
    response = api.post("/api/v1/requirements/import/", {"organization": org.pk,
                                                         "file": handle}, format="multipart")
    assert response.status_code == 400, response.content
    rows = response.json()["error"]["details"]["rows"]
    assert [(r["row"], r["field"], r["code"]) for r in rows] == [(2, "name_fr",
                                                                 "control_characters")]


def test_population_member_fields(api, org):
    population = api.post("/api/v1/populations/", {"organization": org.pk,
                                                   "kind": "employees_in_pathway"},
                          format="json").json()["id"]
    response = api.post("/api/v1/members/", {"population": population,
                                             "reference": f"P-001{RLO}", "initials": "AB",
                                             "entry_date": "2026-01-05"}, format="json")
    assert field_error(response, "reference")["code"] == "control_characters"


def test_file_names_drop_what_text_refuses():
    for char in BAD:
        assert first_unsafe(f"a{char}b") == (1, char)
        assert sanitise_name(f"rapport{char}.pdf") == "rapport.pdf"
    assert strip_unsafe(f"ligne{RLO}\n\tsuite") == "ligne\n\tsuite"


def _project_serializers():
    for app in ("audit_prep", "evidence", "populations", "checklists", "notices", "workers"):
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".api" in module.name or module.name.endswith("serializers"):
                importlib.import_module(module.name)
    pending = [serializers.BaseSerializer]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in {"audit_prep", "evidence", "populations",
                                            "checklists", "notices", "workers"}:
            yield cls


def test_every_text_field_of_every_serializer_refuses_them(rf, db):
    """Fields given validators of their own (unique, SIRET, slug) keep DRF from adding the rule,
    but their format refuses the characters all the same."""
    checked = []
    for cls in _project_serializers():
        if cls.__name__.endswith("Mixin"):
            continue
        for name, field in cls(context={"request": rf.get("/")}).fields.items():
            if not isinstance(field, serializers.CharField) or field.read_only:
                continue
            if SafeTextValidator() not in field.validators:
                with pytest.raises(serializers.ValidationError):
                    field.run_validators(f"12345678901{RLO}")
            checked.append(f"{cls.__name__}.{name}")
    assert len(checked) >= 20 and "EvidenceSerializer.title" in checked
