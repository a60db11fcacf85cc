"""Reminders name the population members whose evidence expires (reference and initials only),
in the e-mail (text and HTML) and in the in-app notification, with one query more per run
whatever the number of members."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit_prep.roles import Role
from evidence.models import EvidenceItem
from notices import reminders
from notices.models import Notification
from populations.models import EvidenceMember, Member, Population

from .test_reminders import (  # noqa: F401  (french_catalogue and site: autouse fixtures)
    DAY,
    TODAY,
    evidence,
    french_catalogue,
    frozen,
    html_of,
    run_on,
    site,
    to,
)


@pytest.fixture
def owner(member):
    return member(Role.CONTRIBUTOR, username="camille")


@pytest.fixture
def outbox(mailoutbox):
    return mailoutbox


def _name(item, population, *references, user):
    for reference in references:
        person = Member.objects.get_or_create(
            population=population, reference=reference,
            defaults={"initials": "AB" if reference.endswith("1") else "CD",
                      "entry_date": datetime.date(2025, 1, 1)})[0]
        EvidenceMember.objects.create(evidence=item, member=person, created_by=user)


def test_the_reminder_names_the_members_whose_evidence_expires(org, owner, qm, outbox):
    population = Population.objects.create(organization=org, kind="employees_in_pathway",
                                           created_by=qm)
    pass_iae = evidence(org, owner, TODAY + 7 * DAY, title="PASS IAE")
    _name(pass_iae, population, "1001", user=qm)
    sheet = evidence(org, owner, TODAY + 7 * DAY, title="Émargement formation")
    _name(sheet, population, "1001", "1002", user=qm)
    evidence(org, owner, TODAY + 7 * DAY, title="DUERP")  # names nobody

    run_on(TODAY)

    (message,) = to(outbox, owner)
    lines = message.body.splitlines()
    assert lines[lines.index(next(line for line in lines if line.startswith("- PASS IAE"))) + 1
                 ] == "  Concerne : 1001 AB"
    assert "  Concerne : 1001 AB, 1002 CD" in lines
    duerp = lines.index(next(line for line in lines if line.startswith("- DUERP")))
    assert not lines[duerp + 1].strip().startswith("Concerne")
    assert "<br>Concerne : 1001 AB, 1002 CD</li>" in html_of(message)
    notification = Notification.objects.get(user=owner)
    assert "PASS IAE (AI du Val) : expire dans 7 jours — concerne 1001 AB" in notification.body


def test_one_query_for_the_members_of_a_run(org, owner, qm):
    population = Population.objects.create(organization=org, kind="employees_in_pathway",
                                           created_by=qm)

    def queries_for(count, day, named):
        EvidenceItem.objects.update(status="archived", archived_at=timezone.now())
        for n in range(count):
            item = evidence(org, owner, day + 7 * DAY)
            if named:
                _name(item, population, f"{day.isoformat()}-{n}1", f"{day.isoformat()}-{n}2",
                      user=qm)
        with frozen(day), CaptureQueriesContext(connection) as captured:
            assert reminders.run().emails_sent == 1
        return len(captured)

    run_on(TODAY - 10 * DAY)  # creates the job's lock row
    few = queries_for(2, TODAY, named=True)
    many = queries_for(30, TODAY + 100 * DAY, named=True)
    assert few == many
