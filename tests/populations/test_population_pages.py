"""The settings pages of a structure's populations: create and delete a population, its members
page by page, add, change and remove a member, import a file with a report of each row; the
API's serializers, services, refusals and audit events."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from audit_prep.models import AuditEvent
from audit_prep.roles import Role
from populations.models import EvidenceMember, Member, Population
from tests.factories import EvidenceFactory

from .conftest import add_member, csv_file, xlsx_file


@pytest.fixture
def signed_in(qm):
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(qm)
    return client


def _url(org, rest=""):
    return f"/structures/{org.pk}/settings/populations/{rest}"


def test_a_population_is_created_listed_and_deleted(signed_in, org, qm):
    response = signed_in.post(_url(org), {"kind": "vehicles"})
    assert response.status_code == 302 and response["Location"] == _url(org)
    population = Population.objects.get(organization=org, kind="vehicles")
    assert AuditEvent.objects.filter(actor=qm, action="population.create").count() == 1
    text = signed_in.get(_url(org)).content.decode()
    assert "Population créée." in text and "Véhicules" in text
    assert '<option value="vehicles">' not in text  # a kind is kept once

    response = signed_in.post(_url(org, f"{population.pk}/delete/"))
    assert response.status_code == 302
    assert not Population.objects.filter(pk=population.pk).exists()
    assert AuditEvent.objects.filter(actor=qm, action="population.delete").count() == 1


def test_a_second_population_of_a_kind_and_a_non_empty_delete_are_refused(signed_in, org,
                                                                         population):
    response = signed_in.post(_url(org), {"kind": population.kind})
    assert response.status_code == 400
    assert "La structure tient déjà une population de ce type." in response.content.decode()
    add_member(population, "1001")
    response = signed_in.post(_url(org, f"{population.pk}/delete/"))
    assert response.status_code == 400
    assert "Retirez d&#x27;abord les membres de la population." in response.content.decode()
    assert Population.objects.filter(pk=population.pk).exists()


def test_a_member_is_added_changed_and_removed(signed_in, org, qm, population):
    page = _url(org, f"{population.pk}/")
    response = signed_in.post(page, {"reference": "1001", "initials": "ab",
                                     "entry_date": "2026-01-05", "exit_date": ""})
    assert response.status_code == 302 and response["Location"] == page
    member = Member.objects.get(population=population, reference="1001")
    assert (member.initials, member.exit_date) == ("AB", None)
    assert "Membre 1001 ajouté." in signed_in.get(page).content.decode()

    refused = signed_in.post(page + f"members/{member.pk}/", {
        "reference": "1001", "initials": "AB", "entry_date": "2026-01-05",
        "exit_date": "2025-06-30"})  # before the entry: refused, the form kept as typed
    assert refused.status_code == 400 and 'value="2025-06-30"' in refused.content.decode()
    response = signed_in.post(page + f"members/{member.pk}/", {
        "reference": "1001", "initials": "AB", "entry_date": "2026-01-05",
        "exit_date": "2026-06-30"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.exit_date == datetime.date(2026, 6, 30)

    response = signed_in.post(page + f"members/{member.pk}/delete/")
    assert response.status_code == 302
    assert not Member.objects.filter(pk=member.pk).exists()
    assert list(AuditEvent.objects.filter(actor=qm, action__startswith="member.")
                .order_by("id").values_list("action", flat=True)) == [
        "member.create", "member.update", "member.delete"]


def test_member_refusals_show_the_api_messages(signed_in, org, qm, population, api):
    add_member(population, "1001")
    page = _url(org, f"{population.pk}/")
    response = signed_in.post(page, {"reference": "1001", "initials": "CD",
                                     "entry_date": "2026-01-05"})
    assert response.status_code == 400
    assert "Cette référence est déjà utilisée dans la population." in response.content.decode()

    response = signed_in.post(page, {"reference": "1002", "initials": "CD",
                                     "entry_date": "2026-01-05", "exit_date": "2025-01-01"})
    assert response.status_code == 400
    body = {"population": population.pk, "reference": "1002", "initials": "CD",
            "entry_date": "2026-01-05", "exit_date": "2025-01-01"}
    error = api.post("/api/v1/members/", body, format="json").json()["error"]
    [message] = [problem["message"] for problems in error["fields"].values()
                 for problem in problems]
    text = response.content.decode()
    assert message.replace("'", "&#x27;") in text
    assert 'id="member-refusals"' in text
    assert not Member.objects.filter(reference="1002").exists()


def test_a_member_named_by_evidence_is_not_removed(signed_in, org, qm, population):
    member = add_member(population, "1001")
    item = EvidenceFactory(organization=org, created_by=qm)
    EvidenceMember.objects.create(evidence=item, member=member, created_by=qm)
    response = signed_in.post(_url(org, f"{population.pk}/members/{member.pk}/delete/"))
    assert response.status_code == 400
    assert "Des preuves désignent ce membre" in response.content.decode()
    assert Member.objects.filter(pk=member.pk).exists()


def test_an_import_reports_each_row(signed_in, org, qm, population):
    add_member(population, "1001", "AB")
    add_member(population, "1002", "CD")
    add_member(population, "1009", "ZZ")
    response = signed_in.post(_url(org, f"{population.pk}/import/"), {"file": xlsx_file([
        ("référence", "initiales", "date d'entrée"),
        ("1001", "AB", datetime.date(2025, 1, 1)),
        ("1002", "EF", datetime.date(2025, 1, 1)),
        ("1003", "GH", datetime.date(2026, 2, 1))])})
    assert response.status_code == 200
    text = response.content.decode()
    rows = [row for row in text.split("<tr>") if "status-import-" in row]
    assert [("1001" in rows[0], "Sans changement" in rows[0]), ("1002" in rows[1], "Mise à jour" in
            rows[1]), ("1003" in rows[2], "Création" in rows[2])] == [(True, True)] * 3
    assert "1 membre absent du fichier est conservé tel quel." in text
    assert "3 lignes importées : 1 créée(s), 1 mise(s) à jour, 1 sans changement." in text
    assert Member.objects.get(population=population, reference="1002").initials == "EF"
    event = AuditEvent.objects.get(actor=qm, action="population.import")
    assert (event.after["added"], event.after["updated"]) == (1, 1)


def test_an_import_with_bad_rows_imports_nothing_and_says_where(signed_in, org, population):
    response = signed_in.post(_url(org, f"{population.pk}/import/"), {"file": csv_file([
        ("référence", "initiales", "date d'entrée"),
        ("1001", "AB", "2025-01-01"),
        ("1002", "Jean Dupont", "2025-01-01"),
        ("1003", "CD", "pas une date")])})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Le fichier contient des erreurs ; rien n&#x27;a été importé." in text
    problems = [row for row in text.split("<tr>") if "status-import-refused" in row]
    assert [row.split("</td>")[0].strip() for row in problems] == ["<td>3", "<td>4"]
    assert not Member.objects.filter(population=population).exists()


def test_contributors_change_members_but_not_populations(org, member, population):
    contributor = member(Role.CONTRIBUTOR, username="contributrice")
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(contributor)
    assert "Créer une population" not in client.get(_url(org)).content.decode()
    assert client.post(_url(org), {"kind": "vehicles"}).status_code == 403
    assert client.post(_url(org, f"{population.pk}/delete/")).status_code == 403
    assert client.post(_url(org, f"{population.pk}/"), {
        "reference": "1001", "initials": "AB", "entry_date": "2026-01-05"}).status_code == 302
    assert Population.objects.filter(organization=org).count() == 1

    viewer = member(Role.VIEWER, username="lecteur")
    client.force_login(viewer)
    assert "Ajouter un membre" not in client.get(_url(org, f"{population.pk}/")).content.decode()
    assert client.post(_url(org, f"{population.pk}/"), {
        "reference": "1002", "initials": "AB", "entry_date": "2026-01-05"}).status_code == 403
    assert not Member.objects.filter(reference="1002").exists()


def test_another_structure_is_not_found(signed_in, other_org, outsider):
    theirs = Population.objects.create(organization=other_org, kind="vehicles",
                                       created_by=outsider)
    member = add_member(theirs, "V1")
    assert signed_in.get(_url(other_org)).status_code == 404
    assert signed_in.get(_url(other_org, f"{theirs.pk}/")).status_code == 404
    assert signed_in.post(_url(other_org, f"{theirs.pk}/members/{member.pk}/delete/")
                          ).status_code == 404
    assert Member.objects.filter(pk=member.pk).exists()


def test_posts_need_the_csrf_token(org, qm):
    client = Client(enforce_csrf_checks=True)
    client.force_login(qm)
    assert client.post(_url(org), {"kind": "vehicles"}).status_code == 403
    assert not Population.objects.exists()


def test_members_page_runs_the_same_queries_for_10_and_200_members(signed_in, org, population):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert signed_in.get(_url(org, f"{population.pk}/?page=2")).status_code == 200
        return len(captured)

    Member.objects.bulk_create(Member(population=population, reference=f"{index:04d}",
                                      initials="AB", entry_date=datetime.date(2025, 1, 1))
                               for index in range(60))
    small = queries()
    Member.objects.bulk_create(Member(population=population, reference=f"{index:04d}",
                                      initials="AB", entry_date=datetime.date(2025, 1, 1))
                               for index in range(60, 260))
    assert queries() == small
    assert "Page 2 sur 6" in signed_in.get(_url(org, f"{population.pk}/?page=2")
                                           ).content.decode()
