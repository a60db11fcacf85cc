"""Evidence dates stay in a sensible range (1900-01-01 to 2199-12-31): an effective date or a
review far in the future answers 400 `date_out_of_range` instead of overflowing year 9999 when
the renewal period is added."""

import datetime

import pytest

from tests.factories import EvidenceFactory


def create(api, org, **fields):
    payload = {"organization": org.pk, "title": "Procédure d'accueil", "kind": "document",
               "effective_date": "2026-03-01", **fields}
    return api.post("/api/v1/evidence/", payload, format="json")


def field_code(response, field):
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"
    return response.json()["error"]["fields"][field][0]["code"]


@pytest.mark.parametrize("field", ["effective_date", "period_start", "period_end",
                                   "valid_until", "retention_until"])
@pytest.mark.parametrize("day", ["9999-12-01", "2200-01-01", "1899-12-31", "0001-01-01"])
def test_dates_out_of_range_are_refused(api, org, field, day):
    fields = {field: day}
    if field == "period_end":
        fields["period_start"] = "1900-01-01"
    assert field_code(create(api, org, **fields), field) == "date_out_of_range"


def test_a_renewal_past_year_9999_is_refused(api, org):
    response = create(api, org, effective_date="9999-06-01", renewal_months=600)
    assert field_code(response, "effective_date") == "date_out_of_range"
    assert "1900-01-01" in response.json()["error"]["fields"]["effective_date"][0]["message"]


def test_the_bounds_themselves_are_accepted(api, org):
    body = create(api, org, effective_date="2199-12-31", renewal_months=600).json()
    assert body["valid_until"] == "2249-12-31"
    assert create(api, org, effective_date="1900-01-01",
                  retention_until="2199-12-31").status_code == 201


def test_an_update_out_of_range_changes_nothing(api, org, qm):
    evidence = EvidenceFactory(organization=org, created_by=qm, renewal_months=12,
                               effective_date=datetime.date(2026, 1, 1))
    response = api.patch(f"/api/v1/evidence/{evidence.pk}/", {"effective_date": "9999-12-01"},
                         format="json")
    assert field_code(response, "effective_date") == "date_out_of_range"
    evidence.refresh_from_db()
    assert evidence.effective_date == datetime.date(2026, 1, 1)


def test_a_review_past_the_range_is_refused(api, org, qm):
    evidence = EvidenceFactory(organization=org, created_by=qm, renewal_months=12,
                               effective_date=datetime.date(2026, 1, 1))
    response = api.post(f"/api/v1/evidence/{evidence.pk}/review/",
                        {"reviewed_on": "9999-06-01", "note": "relue"}, format="json")
    assert field_code(response, "reviewed_on") == "date_out_of_range"


@pytest.mark.parametrize("name", ["valid_until_before", "valid_until_after"])
def test_validity_filters_refuse_dates_out_of_range(api, org, name):
    response = api.get("/api/v1/evidence/", {name: "9999-12-31"})
    assert field_code(response, name) == "date_out_of_range"
    assert api.get("/api/v1/evidence/", {name: "2199-12-31"}).status_code == 200
