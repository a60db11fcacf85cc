"""The settings page of a structure's own requirements: list, add (to its own list or under a
template's node), change, withdraw, and import a list with a report of each row; the API's
serializer, services, refusals and audit events."""

import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from audit_prep.models import AuditEvent
from audit_prep.roles import Role
from checklists.models import Referential, Requirement
from checklists.services import own_requirements, tailoring
from tests.checklists.conftest import make_referential


@pytest.fixture
def signed_in(qm):
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(qm)
    return client


def _url(org, rest=""):
    return f"/structures/{org.pk}/settings/requirements/{rest}"


def _file(text: str, name="exigences.csv"):
    handle = io.BytesIO(text.encode())
    handle.name = name
    return handle


@pytest.fixture
def template(org, qm):
    referential, _clauses = make_referential(code="cedre", clauses=[("T1", None, [], None),
                                                                    ("T2", None, [], None)])
    Referential.objects.filter(pk=referential.pk).update(kind="template", is_template=True)
    referential.refresh_from_db()
    tailoring.adopt(qm, org, referential)
    return referential


def test_a_requirement_is_added_to_the_own_list_and_listed(signed_in, org, qm):
    response = signed_in.post(_url(org), {"ref_id": "A1", "name_fr": "Registre des accueils",
                                        "documented_information": ["retain"],
                                        "renewal_months": "12", "per_member": ""})
    assert response.status_code == 302 and response["Location"] == _url(org)
    requirement = Requirement.objects.get(referential__organization=org, ref_id="A1")
    assert (requirement.documented_information, requirement.renewal_months) == (["retain"], 12)
    assert AuditEvent.objects.filter(actor=qm, action="requirement.import").exists()
    text = signed_in.get(_url(org)).content.decode()
    assert "Exigence A1 enregistrée." in text and "Registre des accueils" in text
    assert "Liste propre" in text and "12 mois" in text


def test_a_requirement_is_added_under_a_template_node(signed_in, org, template):
    response = signed_in.post(_url(org), {"referential": str(template.pk), "ref_id": "T1.1",
                                        "name_fr": "Livret d'accueil", "parent": "T1"})
    assert response.status_code == 302
    added = Requirement.objects.get(referential=template, organization=org, ref_id="T1.1")
    assert added.parent.ref_id == "T1"
    text = signed_in.get(_url(org)).content.decode()
    assert "Référentiel cedre" in text and "T1.1" in text


def test_refusals_show_the_api_messages_beside_the_form(signed_in, org, template, api):
    response = signed_in.post(_url(org), {"ref_id": "", "name_fr": ""})
    assert response.status_code == 400
    text = response.content.decode()
    assert 'id="req-ref-error"' in text and 'aria-describedby="req-ref-help req-ref-error"' in text
    assert "Ce champ est obligatoire." in text

    response = signed_in.post(_url(org), {"referential": str(template.pk), "ref_id": "X",
                                        "name_fr": "Sous un parent inconnu", "parent": "T9"})
    assert response.status_code == 400
    api_message = api.post("/api/v1/requirements/", {
        "organization": org.pk, "referential": template.pk, "ref_id": "X", "name_fr": "n",
        "parent": "T9"}, format="json").json()["error"]["fields"]["parent"][0]["message"]
    assert escape(api_message) in response.content.decode()
    assert not Requirement.objects.filter(ref_id="X").exists()


def test_a_requirement_is_changed_and_withdrawn(signed_in, org, qm):
    requirement = own_requirements.add_requirement(qm, org, {"ref_id": "A1", "name_fr": "Avant"})
    page = signed_in.get(_url(org, f"{requirement.pk}/"))
    assert page.status_code == 200 and 'value="Avant"' in page.content.decode()
    response = signed_in.post(_url(org, f"{requirement.pk}/"), {"name_fr": "Après",
                                                              "ref_id": "IGNORED"})
    assert response.status_code == 302
    requirement.refresh_from_db()
    assert (requirement.ref_id, requirement.name_fr) == ("A1", "Après")

    response = signed_in.post(_url(org, f"{requirement.pk}/retire/"), follow=True)
    requirement.refresh_from_db()
    assert requirement.retired_at is not None
    assert "Exigence A1 retirée" in response.content.decode()
    assert AuditEvent.objects.filter(actor=qm, action="requirement.retire").count() == 1
    assert signed_in.get(_url(org, f"{requirement.pk}/")).status_code == 404


def test_withdrawing_a_parent_is_refused_with_its_message(signed_in, org, qm):
    parent = own_requirements.add_requirement(qm, org, {"ref_id": "A", "name_fr": "Parent"})
    own_requirements.add_requirement(qm, org, {"ref_id": "A.1", "name_fr": "Enfant",
                                               "parent": "A"})
    response = signed_in.post(_url(org, f"{parent.pk}/retire/"))
    assert response.status_code == 400
    assert "Retirez d&#x27;abord les exigences placées sous celle-ci." in \
        response.content.decode()
    parent.refresh_from_db()
    assert parent.retired_at is None


def test_a_library_requirement_is_not_found_here(signed_in, org):
    _referential, clauses = make_referential()
    assert signed_in.get(_url(org, f"{clauses['7.2'].pk}/")).status_code == 404
    assert signed_in.post(_url(org, f"{clauses['7.2'].pk}/retire/")).status_code == 404


def test_an_import_reports_each_row(signed_in, org, qm):
    own_requirements.add_requirement(qm, org, {"ref_id": "A1", "name_fr": "Ancien nom"})
    own_requirements.add_requirement(qm, org, {"ref_id": "A3", "name_fr": "Inchangée"})
    response = signed_in.post(_url(org, "import/"), {"file": _file(
        "ref_id;name_fr\nA1;Nouveau nom\nA2;Plan de formation\nA3;Inchangée\n")})
    assert response.status_code == 200
    text = response.content.decode()
    rows = [row for row in text.split("<tr>") if "status-import-" in row]
    assert [("A1" in rows[0], "Mise à jour" in rows[0]), ("A2" in rows[1], "Création" in rows[1]),
            ("A3" in rows[2], "Sans changement" in rows[2])] == [(True, True)] * 3
    assert ">2</td>" in rows[0] and ">4</td>" in rows[2]  # the file's lines
    assert ("3 lignes importées : 1 créée(s), 1 mise(s) à jour, 1 sans changement."
            in text)
    assert Requirement.objects.get(referential__organization=org, ref_id="A1").name_fr == \
        "Nouveau nom"


def test_an_import_with_bad_rows_imports_nothing_and_says_where(signed_in, org):
    response = signed_in.post(_url(org, "import/"), {"file": _file(
        "ref_id;name_fr;type\nA1;Bon;document\nA1;Doublon;document\nA3;;inconnu\n")})
    assert response.status_code == 400
    text = response.content.decode()
    assert "La liste contient des erreurs ; rien n&#x27;a été importé." in text
    assert "Lignes refusées" in text
    assert "Cette référence apparaît deux fois." in text
    assert not Requirement.objects.filter(referential__organization=org).exists()


def test_an_import_of_a_refused_file_says_why(signed_in, org):
    response = signed_in.post(_url(org, "import/"), {"file": _file("", "liste.csv")})
    assert response.status_code == 400
    assert "Le fichier soumis est vide." in response.content.decode()
    pdf = _file("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "liste.pdf")
    response = signed_in.post(_url(org, "import/"), {"file": pdf})
    assert response.status_code == 400
    assert "Envoyez une liste CSV ou XLSX." in response.content.decode()


def test_a_contributors_forged_posts_are_refused(org, member):
    contributor = member(Role.CONTRIBUTOR, username="contributrice")
    signed_in = Client()
    signed_in.force_login(contributor)
    assert signed_in.get(_url(org)).status_code == 200
    assert "Ajouter une exigence" not in signed_in.get(_url(org),
                                                     HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert signed_in.post(_url(org), {"ref_id": "A1", "name_fr": "x"}).status_code == 403
    assert signed_in.post(_url(org, "import/"), {"file": _file("ref_id;name_fr\nA;B\n")}
                        ).status_code == 403
    assert not Requirement.objects.filter(ref_id__in=["A1", "A"]).exists()


def test_another_structure_is_not_found(signed_in, other_org, outsider):
    requirement = own_requirements.add_requirement(outsider, other_org,
                                                   {"ref_id": "V1", "name_fr": "Voisin"})
    assert signed_in.get(_url(other_org)).status_code == 404
    assert signed_in.post(_url(other_org), {"ref_id": "A1", "name_fr": "x"}).status_code == 404
    assert signed_in.get(_url(other_org, f"{requirement.pk}/")).status_code == 404


def test_posts_need_the_csrf_token(org, qm):
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(qm)
    assert signed_in.post(_url(org), {"ref_id": "A1", "name_fr": "x"}).status_code == 403
    assert not Requirement.objects.filter(ref_id="A1").exists()


def test_the_list_runs_the_same_queries_for_10_and_200_requirements(signed_in, org, qm):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert signed_in.get(_url(org)).status_code == 200
        return len(captured)

    rows = [{"ref_id": f"R{index}", "name_fr": f"Exigence {index}"} for index in range(10)]
    own_requirements.upsert_own_requirements(qm, org, rows)
    small = queries()
    rows = [{"ref_id": f"R{index}", "name_fr": f"Exigence {index}"} for index in range(200)]
    own_requirements.upsert_own_requirements(qm, org, rows)
    assert queries() == small
