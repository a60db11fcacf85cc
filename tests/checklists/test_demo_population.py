"""The demo, tried as a new user would: its PASS IAE population shows who is missing."""

import pytest
from rest_framework.test import APIClient

from checklists import demo
from checklists.models import Adoption
from populations.models import Member


@pytest.fixture
def seeded(db, settings, tmp_path, media_root, django_capture_on_commit_callbacks):
    settings.DATA_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):  # verification runs (tasks eager)
        demo.seed()
    return Adoption.objects.get(referential__code="fr-siae-regulatory")


def test_the_demo_checklist_shows_who_is_missing(seeded):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_authenticate(seeded.adopted_by)

    body = client.get(f"/api/v1/adoptions/{seeded.pk}/checklist/").json()

    [item] = [i for i in body["items"] if i["ref_id"] == "PASS-IAE"]
    assert (item["status"], item["members"]["label"]) == ("missing", "5 / 7 couverts")
    assert [(m["reference"], m["initials"], m["status"])
            for m in item["members"]["not_covered"]] == [
        ("2026-002", "YB", "missing"), ("2026-011", "NC", "missing"),
        ("2025-038", "SL", "expiring")]
    assert Member.objects.count() == 8  # one has left: not counted

    demo.seed()  # again: nothing added
    assert Member.objects.count() == 8
