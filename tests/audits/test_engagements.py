"""Recording certificates and audits through the API: checked against the adopted referentials,
matched with the certificate they maintain, and followed by the adoption's target audit date
(the countdown, the gap digests and the calendar use it) and by the calendar feed."""

import datetime

import pytest
from django.utils import timezone
from icalendar import Calendar

from audit_prep.models import AuditEvent
from audits.models import Engagement
from checklists.models import Adoption
from checklists.services import tailoring
from notices.calendar import feed_for

D = datetime.date
CERTIFICATES, ENGAGEMENTS = "/api/v1/certificates/", "/api/v1/engagements/"
pytestmark = pytest.mark.usefixtures("today")


def certify(api, org, iso, **changes):
    body = {"organization": org.pk, "referential": iso.pk, "certification_body": "AFNOR",
            "decision_date": "2026-03-02", "expiry_date": "2029-03-01", **changes}
    return api.post(CERTIFICATES, body, format="json")


def plan(api, org, iso, kind="surveillance_1", start="2027-02-10", end="2027-02-11", **changes):
    body = {"organization": org.pk, "kind": kind, "referentials": [iso.pk], "start_date": start,
            "end_date": end, **changes}
    return api.post(ENGAGEMENTS, body, format="json")


def error_codes(response, field):
    return [error["code"] for error in response.json()["error"]["fields"][field]]


def target(adoption):
    adoption.refresh_from_db()
    return adoption.target_audit_date


def test_a_surveillance_audit_maintains_the_certificate_and_fills_the_cycle(api, org, iso,
                                                                          adoption):
    certificate = certify(api, org, iso).json()
    assert [(step["kind"], step["due_by"], step["state"]) for step in certificate["cycle"]] == [
        ("surveillance_1", "2027-03-02", "to_plan"), ("surveillance_2", "2028-12-31", "to_plan"),
        ("renewal", "2029-02-28", "to_plan")]

    audit = plan(api, org, iso, lead_auditor="Claire Martin").json()

    assert (audit["certificate"], audit["certification_body"]) == (certificate["id"], "AFNOR")
    cycle = api.get(f"{CERTIFICATES}{certificate['id']}/").json()["cycle"]
    assert (cycle[0]["state"], cycle[0]["state_label"], cycle[0]["engagement"]) == (
        "planned", "planifié", audit["id"])
    assert target(adoption) == D(2027, 2, 10)  # the countdown now runs to this audit
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True))[-2:] == [
        "engagement.create", "referential.adoption_update"]


def test_an_audit_needs_an_adopted_referential(api, org, iso):
    response = plan(api, org, iso, kind="internal")
    assert response.status_code == 400
    assert error_codes(response, "referentials") == ["referential_not_adopted"]
    assert "adoptez-le" in response.json()["error"]["fields"]["referentials"][0]["message"]
    assert not Engagement.objects.exists()


def test_a_certification_audit_names_its_certification_body(api, org, iso, adoption):
    response = plan(api, org, iso, kind="stage_1")
    assert response.status_code == 400
    assert error_codes(response, "certification_body") == ["certification_body_required"]
    assert plan(api, org, iso, kind="stage_1", certification_body="SGS").status_code == 201


@pytest.mark.parametrize("changes, field, code", [
    ({"expiry_date": "2026-03-02"}, "expiry_date", "expiry_before_decision"),
    ({"decision_date": "1890-01-01"}, "decision_date", "date_out_of_range"),
])
def test_certificate_dates_are_checked(api, org, iso, adoption, changes, field, code):
    response = certify(api, org, iso, **changes)
    assert response.status_code == 400
    assert code in str(response.json()["error"])


def test_a_certificate_is_recorded_once(api, org, iso, adoption):
    assert certify(api, org, iso).status_code == 201
    again = certify(api, org, iso, number="bis")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "certificate_exists")


def test_an_audit_cannot_end_before_it_starts(api, org, iso, adoption):
    response = plan(api, org, iso, kind="internal", start="2027-02-10", end="2027-02-09")
    assert response.status_code == 400
    assert error_codes(response, "end_date") == ["end_before_start"]


def test_the_target_date_follows_the_next_audit_and_keeps_the_structures_own(
        api, org, qm, iso, adoption):
    tailoring.update_adoption(qm, adoption, {"target_audit_date": D(2027, 1, 20)})
    later = plan(api, org, iso, kind="internal", start="2027-02-10", end="2027-02-10").json()
    assert target(adoption) == D(2027, 1, 20)  # set by the structure, still ahead: kept

    earlier = plan(api, org, iso, kind="internal", start="2027-01-12", end="2027-01-12").json()
    assert target(adoption) == D(2027, 1, 12)

    api.patch(f"{ENGAGEMENTS}{earlier['id']}/", {"start_date": "2027-03-01",
                                                 "end_date": "2027-03-01"}, format="json")
    assert target(adoption) == D(2027, 2, 10)  # the moved audit's date follows the next one

    assert api.delete(f"{ENGAGEMENTS}{later['id']}/").status_code == 204
    assert target(adoption) == D(2027, 3, 1)
    assert api.delete(f"{ENGAGEMENTS}{earlier['id']}/").status_code == 204
    assert target(adoption) is None  # no audit left: no date left behind


def test_an_audit_that_started_stays_on_record(api, org, iso, adoption):
    audit = plan(api, org, iso, kind="internal", start="2026-12-04", end="2026-12-05").json()
    response = api.delete(f"{ENGAGEMENTS}{audit['id']}/")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "engagement_started")
    assert Engagement.objects.filter(pk=audit["id"]).exists()


def test_the_calendar_shows_the_audit_days_and_the_audits_to_plan(api, org, qm, iso, adoption):
    certify(api, org, iso)
    plan(api, org, iso, lead_auditor="Claire Martin", certification_body="AFNOR Certification")

    events = {str(event["UID"]): event for event in
              Calendar.from_ical(feed_for(qm, timezone.localdate())).walk("VEVENT")}

    assert set(events) == {f"engagement-{Engagement.objects.get().pk}@audit-prep",
                           f"certificate-{org.certificates.get().pk}-surveillance_2-2028-12-31"
                           "@audit-prep",
                           f"certificate-{org.certificates.get().pk}-renewal-2029-02-28"
                           "@audit-prep"}
    audit = next(event for uid, event in events.items() if uid.startswith("engagement"))
    assert str(audit["SUMMARY"]) == "Premier audit de surveillance ISO9001 — AI du Val"
    assert (audit.decoded("DTSTART"), audit.decoded("DTEND")) == (D(2027, 2, 10), D(2027, 2, 12))
    assert str(audit["URL"]).endswith(f"/structures/{org.pk}/")
    # the adoption's target date is the audit's first day: listed once, as the audit
    assert Adoption.objects.get(pk=adoption.pk).target_audit_date == D(2027, 2, 10)
