"""The demo structure comes with its certification: a certificate decided nine months ago and
its first surveillance audit planned on the demo's audit date, and an internal audit with its
findings in the nonconformity log and the improvement plan, recorded once."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from audit_prep.models import Membership, Organization
from audit_prep.roles import Role
from audits.models import Certificate, Engagement, Finding
from checklists.demo import DEMO_SLUG
from checklists.models import Adoption


@pytest.fixture
def seeded(settings, tmp_path, media_root, db):
    settings.DATA_DIR = tmp_path
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return Organization.objects.get(slug=DEMO_SLUG)


def test_the_demo_has_a_certificate_and_its_first_surveillance_planned(seeded):
    certificate = Certificate.objects.get(organization=seeded)
    surveillance = Engagement.objects.get(organization=seeded, kind="surveillance_1")
    adoption = Adoption.objects.get(organization=seeded, referential=certificate.referential)
    assert surveillance.certificate == certificate  # matched with the certificate it maintains
    assert surveillance.start_date == adoption.target_audit_date > timezone.localdate()
    assert Engagement.objects.filter(organization=seeded, kind="stage_2",
                                     end_date__lt=certificate.decision_date).exists()

    qm = Membership.objects.get(organization=seeded, role=Role.QUALITY_MANAGER).user
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(qm)
    text = client.get(f"/structures/{seeded.pk}/settings/audits/").content.decode()
    assert "AFNOR Certification" in text and 'status-milestone-planned">planifié' in text


def test_seeding_again_records_nothing_twice(seeded):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Certificate.objects.filter(organization=seeded).count() == 1
    # stage 2, the first surveillance, and the internal audit of the findings
    assert Engagement.objects.filter(organization=seeded).count() == 3
    assert Finding.objects.filter(engagement__organization=seeded).count() == 3


def test_the_demo_has_an_internal_audit_with_findings_in_its_log_and_plan(seeded):
    internal = Engagement.objects.get(organization=seeded, kind="internal")
    assert list(Finding.objects.filter(engagement=internal).order_by("number")
                .values_list("status", flat=True)) == ["accepted", "open", "open"]
    qm = Membership.objects.get(organization=seeded, role=Role.QUALITY_MANAGER).user
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(qm)
    log = client.get(f"/structures/{seeded.pk}/settings/improvement/").content.decode()
    assert "bilans de fin de mission" in log and "Non-conformité mineure" in log
    plan = client.get(f"/structures/{seeded.pk}/settings/improvement/?list=improvements")
    assert "Numériser les fiches" in plan.content.decode()
