"""Requirements applying to each member of a population: the pure rule table (presence on the
entry and exit days, every member present needs counting evidence), then the checklist through
the API: "x / y covered" with who is missing or expiring, and a fixed number of queries."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checklists.member_coverage import MemberFacts, assess_members
from checklists.models import Adoption, EvidenceLink, Exclusion
from checklists.readiness import Status
from populations.models import EvidenceMember, Member, Population
from tests.factories import evidence_with_file

from .conftest import make_referential
from .facts import TODAY, WINDOW, days, evidence, requirement

KIND = "employees_in_pathway"


def member(member_id, entry, exit_=None, evidence_ids=()):
    return MemberFacts(member_id, f"{member_id:04d}", "AB", entry, exit_,
                       frozenset(evidence_ids))


def assess(members, linked=(), **overrides):
    return assess_members(requirement(**overrides), list(linked), KIND, members, TODAY,
                          WINDOW)


# --- presence on the entry and exit days -------------------------------------------------

@pytest.mark.parametrize(("entry", "exit_", "counted"), [
    (days(0), None, True),       # enters today: present, must be covered today
    (days(1), None, False),      # enters tomorrow: not yet
    (days(-400), days(0), True),  # leaves today: still present on the exit day
    (days(-400), days(-1), False),  # left yesterday: no longer counted
    (days(0), days(0), True),    # one day only
])
def test_presence_includes_the_entry_and_the_exit_day(entry, exit_, counted):
    assessment, coverage = assess([member(1, entry, exit_)])
    assert coverage.present == int(counted)
    assert (assessment.status, assessment.reason) == (
        (Status.MISSING, "members_not_covered") if counted
        else (Status.COVERED, "no_member_present"))


def test_covered_only_when_every_member_present_has_counting_evidence():
    linked = [evidence(evidence_id=10), evidence(evidence_id=11)]
    members = [member(1, days(-100), evidence_ids=[10]), member(2, days(-100), evidence_ids=[11]),
               member(3, days(-100)),  # nothing names this one
               member(4, days(-500), days(-1))]  # left: not counted
    assessment, coverage = assess(members, linked)
    assert (assessment.status, assessment.reason) == (Status.MISSING, "members_not_covered")
    assert (coverage.present, coverage.covered) == (3, 2)
    assert [m.member.member_id for m in coverage.not_covered] == [3]
    # the evidence is listed as usual, and any one valid item does not cover the requirement
    assert assessment.linked == 2

    covered, coverage = assess(members[:2] + members[3:], linked)
    assert (covered.status, covered.reason, coverage.covered) == (
        Status.COVERED, "every_member_covered", 2)


def test_each_member_is_assessed_by_the_one_rule():
    linked = [evidence(evidence_id=10, valid_until=days(10)),      # expiring
              evidence(evidence_id=11, valid_until=days(-1)),      # expired
              evidence(evidence_id=12, file_check="pending"),      # pending
              evidence(evidence_id=13, valid_until=days(365)),     # valid
              evidence(evidence_id=14, file_check="altered")]      # integrity error
    members = [member(1, days(-100), evidence_ids=[10]), member(2, days(-100), evidence_ids=[11]),
               member(3, days(-100), evidence_ids=[12]), member(4, days(-100), evidence_ids=[13]),
               member(5, days(-100), evidence_ids=[14, 13])]
    assessment, coverage = assess(members, linked)
    statuses = {m.member.member_id: m.status for m in coverage.members}
    assert statuses == {1: Status.EXPIRING, 2: Status.EXPIRED, 3: Status.PENDING,
                        4: Status.COVERED, 5: Status.COVERED}
    assert assessment.status == Status.EXPIRED  # the worst member
    assert [m.member.member_id for m in coverage.not_covered] == [2, 3, 1]  # worst first

    expiring, coverage = assess([members[0], members[3]], linked)
    assert (expiring.status, expiring.reason, expiring.valid_until) == (
        Status.EXPIRING, "member_evidence_expiring", days(10))
    assert [m.member.member_id for m in coverage.not_covered] == [1]


def test_renewal_period_of_the_requirement_applies_per_member():
    linked = [evidence(evidence_id=10, effective_date=days(-800))]
    _, coverage = assess([member(1, days(-900), evidence_ids=[10])], linked,
                         renewal_months=24)
    assert coverage.members[0].status == Status.EXPIRED


def test_no_population_recorded_or_excluded():
    assessment, coverage = assess(None, [evidence(evidence_id=10)])
    assert (assessment.status, assessment.reason, coverage.recorded) == (
        Status.MISSING, "population_not_recorded", False)
    excluded, coverage = assess([member(1, days(-1))], excluded=True)
    assert (excluded.status, coverage) == (Status.NOT_APPLICABLE, None)


# --- through the API -------------------------------------------------------------------------

NOW = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)
D = datetime.date


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def pathway(org, qm, frozen):
    """A regulatory list whose PASS IAE applies to each employee in pathway, adopted."""
    referential, requirements = make_referential(code="fr-siae", clauses=[
        ("R", None, [], None), ("PASS-IAE", "R", ["retain"], 24), ("DUERP", "R", ["maintain"],
                                                                    12)])
    requirements["PASS-IAE"].per_member = KIND
    requirements["PASS-IAE"].excludable = True  # a structure without such employees
    requirements["PASS-IAE"].save()
    adoption = Adoption.objects.create(organization=org, referential=referential, adopted_by=qm)
    population = Population.objects.create(organization=org, kind=KIND, created_by=qm)
    return adoption, requirements["PASS-IAE"], population


def _employees(population, qm, requirement, count, missing=(), expiring=()):
    """`count` members present; each named by an approved PASS linked to the requirement,
    except the `missing` ones; the `expiring` ones' PASS ends within the window."""
    for n in range(1, count + 1):
        person = Member.objects.create(population=population, reference=f"{n:04d}",
                                       initials="AB" if n % 2 else "CD",
                                       entry_date=D(2026, 1, 5))
        if n in missing:
            continue
        end = D(2026, 12, 10) if n in expiring else D(2027, 9, 1)
        proof = evidence_with_file(population.organization, qm, title=f"PASS {n}",
                                   status="approved", approved_at=NOW, kind="record",
                                   effective_date=D(2026, 1, 5), valid_until=end)
        EvidenceLink.objects.create(evidence=proof, requirement=requirement, created_by=qm)
        EvidenceMember.objects.create(evidence=proof, member=person, created_by=qm)


def _pass_item(api, adoption, **params):
    response = api.get(f"/api/v1/adoptions/{adoption.pk}/checklist/", params)
    assert response.status_code == 200, response.content
    return next(item for item in response.json()["items"] if item["ref_id"] == "PASS-IAE")


def test_the_checklist_says_who_is_missing_or_expiring(api, pathway, qm):
    adoption, requirement, population = pathway
    _employees(population, qm, requirement, 25, missing=(4, 17), expiring=(9,))

    item = _pass_item(api, adoption)

    assert (item["status"], item["reason"], item["per_member"]) == (
        "missing", "members_not_covered", KIND)
    members = item["members"]
    assert (members["present"], members["covered"], members["label"]) == (
        25, 23, "23 / 25 couverts")
    assert members["kind_label"] == "salariés en parcours d'insertion"
    assert [(m["reference"], m["initials"], m["status"]) for m in members["not_covered"]] == [
        ("0004", "CD", "missing"), ("0017", "AB", "missing"), ("0009", "AB", "expiring")]
    assert members["not_covered"][2]["valid_until"] == "2026-12-10"
    english = api.get(f"/api/v1/adoptions/{adoption.pk}/checklist/",
                      HTTP_ACCEPT_LANGUAGE="en").json()
    [pass_iae] = [i for i in english["items"] if i["ref_id"] == "PASS-IAE"]
    assert pass_iae["members"]["label"] == "23 / 25 covered"

    # those two leave before the audit: on that date everyone present is covered
    Member.objects.filter(reference__in=["0004", "0017"]).update(exit_date=D(2026, 12, 31))
    Member.objects.filter(reference="0009").update(exit_date=D(2027, 1, 31))
    item = _pass_item(api, adoption, date="2027-02-01")
    assert (item["status"], item["members"]["label"]) == ("covered", "22 / 22 couverts")
    item = _pass_item(api, adoption, date="2026-12-31")  # their exit day: still counted
    assert item["members"]["present"] == 25


def test_a_population_not_recorded_or_the_requirement_excluded(api, pathway, qm, org):
    adoption, requirement, population = pathway
    population.delete()
    item = _pass_item(api, adoption)
    assert (item["status"], item["reason"], item["members"]["recorded"]) == (
        "missing", "population_not_recorded", False)
    Exclusion.objects.create(organization=org, requirement=requirement,
                             justification="Pas de salariés en insertion", decided_by=qm)
    item = _pass_item(api, adoption)
    assert (item["status"], item["members"]) == ("not_applicable", None)


def _count(api, adoption):
    from audit_prep import access

    access.forget(adoption.adopted_by)
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"/api/v1/adoptions/{adoption.pk}/checklist/")
    assert response.status_code == 200
    return len(queries), response.json()


def test_one_query_more_for_the_members_whatever_their_number(api, pathway, qm):
    adoption, requirement, population = pathway
    requirement.per_member = KIND
    requirement.save()
    _employees(population, qm, requirement, 3, missing=(2,))
    few, body = _count(api, adoption)
    # the same vault without counting members one by one (the evidence shown reads its
    # revisions in both)
    requirement.per_member = ""
    requirement.save()
    without, _ = _count(api, adoption)
    requirement.per_member = KIND
    requirement.save()
    _employees_more(population, qm, requirement, 60)
    many, body = _count(api, adoption)
    assert few == many == without + 1
    [item] = [i for i in body["items"] if i["ref_id"] == "PASS-IAE"]
    assert (item["members"]["present"], item["members"]["covered"]) == (63, 62)


def _employees_more(population, qm, requirement, count):
    for n in range(100, 100 + count):
        person = Member.objects.create(population=population, reference=f"X{n}",
                                       initials="EF", entry_date=D(2026, 2, 1))
        proof = evidence_with_file(population.organization, qm, title=f"PASS X{n}",
                                   status="approved", approved_at=NOW, kind="record",
                                   effective_date=D(2026, 2, 1))
        EvidenceLink.objects.create(evidence=proof, requirement=requirement, created_by=qm)
        EvidenceMember.objects.create(evidence=proof, member=person, created_by=qm)
