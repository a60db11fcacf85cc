"""Permission matrix of two sections of a structure's settings pages: its own requirements and
its populations. Subjects and the world: see `world.py`; the checks: `base.py`.

The pages go through the same choke point and services as the API: members of the structure
read them; a refused role is a 403 page before the form is read, another structure is 404,
anonymous visitors are sent to sign in. Own requirements and populations are the quality
managers' (the API's MANAGE_REFERENTIALS and MANAGE_ORGANIZATION); members of a population are
changed by contributors too, as with `members/`.
"""

from audit_prep.models import AuditEvent
from checklists.models import Requirement
from populations.models import Member, Population

from .base import Area, Endpoint, MatrixSuite, multipart_file
from .world import OWN_LIST

SETTINGS = "/structures/{org}/settings/"
REQUIREMENTS = SETTINGS + "requirements/"
POPULATION = SETTINGS + "populations/{population}/"
MEMBER = POPULATION + "members/{free_member}/"
MEMBER_FILE = ("salaries.csv", "référence;initiales;date d'entrée;date de sortie\n"
               "1002;CD;01/09/2025;31/03/2026\n1003;EF;2026-01-05;\n".encode())

ENDPOINTS = [
    Endpoint("structure-settings-requirements", "GET", REQUIREMENTS),
    Endpoint("structure-settings-requirements", "POST", REQUIREMENTS, multipart=True,
             data=lambda w: {"ref_id": "P3", "name_fr": "Plan de formation",
                             "documented_information": "maintain"}),
    Endpoint("structure-settings-requirements-import", "POST", REQUIREMENTS + "import/",
             multipart=True, data=lambda w: {"file": multipart_file(*OWN_LIST)}),
    Endpoint("structure-settings-requirement", "GET", REQUIREMENTS + "{requirement}/"),
    Endpoint("structure-settings-requirement", "POST", REQUIREMENTS + "{requirement}/",
             multipart=True, data=lambda w: {"name_fr": "Registre des entrees (revu)"}),
    Endpoint("structure-settings-requirement-retire", "POST",
             REQUIREMENTS + "{added_requirement}/retire/"),
    Endpoint("structure-settings-populations", "GET", SETTINGS + "populations/"),
    Endpoint("structure-settings-populations", "POST", SETTINGS + "populations/",
             multipart=True, data=lambda w: {"kind": "vehicles"}),
    Endpoint("structure-settings-population-delete", "POST",
             SETTINGS + "populations/{empty_population}/delete/"),
    Endpoint("structure-settings-population", "GET", POPULATION),
    Endpoint("structure-settings-population", "POST", POPULATION, multipart=True,
             data=lambda w: {"reference": "1003", "initials": "EF",
                             "entry_date": "2026-01-05", "exit_date": ""}),
    Endpoint("structure-settings-population-import", "POST", POPULATION + "import/",
             multipart=True, data=lambda w: {"file": multipart_file(*MEMBER_FILE)}),
    Endpoint("structure-settings-member", "GET", MEMBER),
    Endpoint("structure-settings-member", "POST", MEMBER, multipart=True,
             data=lambda w: {"reference": "1002", "initials": "XY",
                             "entry_date": "2025-09-01", "exit_date": "2026-03-31"}),
    Endpoint("structure-settings-member-delete", "POST", MEMBER + "delete/"),
]

# fmt: off
MATRIX = {
    # endpoint                                  anonymous viewer contributor qm   outsider
    "structure-settings-requirements GET":          (302,  200,   200,       200,  404),
    "structure-settings-requirements POST":         (302,  403,   403,       302,  404),
    "structure-settings-requirements-import POST":  (302,  403,   403,       200,  404),
    "structure-settings-requirement GET":           (302,  200,   200,       200,  404),
    "structure-settings-requirement POST":          (302,  403,   403,       302,  404),
    "structure-settings-requirement-retire POST":   (302,  403,   403,       302,  404),
    "structure-settings-populations GET":           (302,  200,   200,       200,  404),
    "structure-settings-populations POST":          (302,  403,   403,       302,  404),
    "structure-settings-population-delete POST":    (302,  403,   403,       302,  404),
    "structure-settings-population GET":            (302,  200,   200,       200,  404),
    # members are changed by contributors too, as in the API
    "structure-settings-population POST":           (302,  403,   302,       302,  404),
    "structure-settings-population-import POST":    (302,  403,   200,       200,  404),
    "structure-settings-member GET":                (302,  200,   200,       200,  404),
    "structure-settings-member POST":               (302,  403,   302,       302,  404),
    "structure-settings-member-delete POST":        (302,  403,   302,       302,  404),
}
# fmt: on


def _page(endpoint, w, subject, response):
    path = endpoint.path.format(**w.ids)
    if subject == "anonymous":
        assert response["Location"] == f"/accounts/login/?next={path}"
        return
    text = response.content.decode()
    assert w.org.name in text and w.other_org.name not in text
    shown = {"structure-settings-requirements": "Registre des entrees et sorties",
             "structure-settings-requirement": "Registre des entrees et sorties",
             "structure-settings-populations": "Salariés en parcours d&#x27;insertion",
             "structure-settings-population": "1002",
             "structure-settings-member": "1002"}[endpoint.route]
    assert shown in text


READS = {route: _page for route in (
    "structure-settings-requirements", "structure-settings-requirement",
    "structure-settings-populations", "structure-settings-population",
    "structure-settings-member")}


def _redirected_to(path):
    def check(w, response):
        assert response.status_code == 302
        assert response["Location"] == path.format(**w.ids)
    return check


def _last_event(action: str, user) -> AuditEvent:
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.actor_id) == (action, user.pk)
    return event


def _requirement_added(w, response, user):
    _redirected_to(REQUIREMENTS)(w, response)
    added = Requirement.objects.get(referential_id=w.ids["referential"], ref_id="P3")
    assert (added.name_fr, added.documented_information) == ("Plan de formation", ["maintain"])
    _last_event("requirement.import", user)


def _list_imported(w, response, user):
    text = response.content.decode()
    assert "Compte rendu de l’import" in text and text.count(">Création<") == 2
    assert set(Requirement.objects.filter(referential_id=w.ids["referential"], ref_id__in=[
        "A1", "A2"]).values_list("ref_id", flat=True)) == {"A1", "A2"}
    assert _last_event("requirement.import", user).after["added"] == 2


def _requirement_changed(w, response, user):
    _redirected_to(REQUIREMENTS)(w, response)
    requirement = Requirement.objects.get(pk=w.ids["requirement"])
    assert (requirement.ref_id, requirement.name_fr) == ("P1", "Registre des entrees (revu)")
    _last_event("requirement.import", user)


def _requirement_retired(w, response, user):
    _redirected_to(REQUIREMENTS)(w, response)
    assert Requirement.objects.get(pk=w.ids["added_requirement"]).retired_at is not None
    _last_event("requirement.retire", user)


def _population_created(w, response, user):
    _redirected_to(SETTINGS + "populations/")(w, response)
    assert Population.objects.filter(organization=w.org, kind="vehicles").exists()
    _last_event("population.create", user)


def _population_deleted(w, response, user):
    _redirected_to(SETTINGS + "populations/")(w, response)
    assert not Population.objects.filter(pk=w.ids["empty_population"]).exists()
    _last_event("population.delete", user)


def _member_added(w, response, user):
    _redirected_to(POPULATION)(w, response)
    member = Member.objects.get(population_id=w.ids["population"], reference="1003")
    assert (member.initials, member.exit_date) == ("EF", None)
    _last_event("member.create", user)


def _members_imported(w, response, user):
    text = response.content.decode()
    assert text.count(">Création<") == 1 and text.count(">Mise à jour<") == 1
    assert Member.objects.get(pk=w.ids["free_member"]).initials == "CD"
    assert Member.objects.filter(population_id=w.ids["population"], reference="1003").exists()
    assert _last_event("population.import", user).after["added"] == 1


def _member_changed(w, response, user):
    _redirected_to(POPULATION)(w, response)
    member = Member.objects.get(pk=w.ids["free_member"])
    assert (member.initials, str(member.exit_date)) == ("XY", "2026-03-31")
    _last_event("member.update", user)


def _member_removed(w, response, user):
    _redirected_to(POPULATION)(w, response)
    assert not Member.objects.filter(pk=w.ids["free_member"]).exists()
    _last_event("member.delete", user)


EFFECTS = {
    "structure-settings-requirements POST": _requirement_added,
    "structure-settings-requirements-import POST": _list_imported,
    "structure-settings-requirement POST": _requirement_changed,
    "structure-settings-requirement-retire POST": _requirement_retired,
    "structure-settings-populations POST": _population_created,
    "structure-settings-population-delete POST": _population_deleted,
    "structure-settings-population POST": _member_added,
    "structure-settings-population-import POST": _members_imported,
    "structure-settings-member POST": _member_changed,
    "structure-settings-member-delete POST": _member_removed,
}


class TestSettingsLists(MatrixSuite):
    area = Area(endpoints=ENDPOINTS, matrix=MATRIX, effects=EFFECTS, reads=READS)
