"""Values the database cannot take answer 400 with a stable code, never 500: the inputs refuse
them first (dates in a sensible range, real UTC offsets), and a database DataError that still
gets through maps to `value_out_of_range` in the error envelope."""

import datetime

import pytest
from django.db import DataError, connection

from audit_prep.api.views import AuditEventViewSet
from audit_prep.models import AuditEvent

EVENTS = "/api/v1/audit-events/"


def field_code(response, field):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    return error["fields"][field][0]["code"]


@pytest.mark.parametrize(("since", "code"), [
    ("2026-01-01T00:00:00-23:00", "utc_offset_out_of_range"),
    ("2026-01-01T00:00:00+15:00", "utc_offset_out_of_range"),
    ("0001-01-01T00:00:00+14:00", "date_out_of_range"),
    ("9999-12-31T23:59:59-12:00", "date_out_of_range"),
])
def test_audit_event_filters_refuse_dates_out_of_range(api, since, code):
    assert field_code(api.get(EVENTS, {"since": since}), "since") == code
    assert field_code(api.get(EVENTS, {"until": since}), "until") == code


@pytest.mark.parametrize("since", ["2026-01-01T00:00:00-12:00", "2026-01-01T00:00:00+14:00",
                                   "2026-01-01T00:00:00Z", "1900-01-01T00:00:00+01:00"])
def test_audit_event_filters_take_real_offsets(api, since):
    assert api.get(EVENTS, {"since": since}).status_code == 200


def test_the_refusal_is_translated(api):
    fields = api.get(EVENTS, {"since": "2026-01-01T00:00:00-23:00"}).json()["error"]["fields"]
    assert "décalage" in fields["since"][0]["message"]
    english = api.get(EVENTS, {"since": "2026-01-01T00:00:00-23:00"},
                      HTTP_ACCEPT_LANGUAGE="en").json()["error"]["fields"]
    assert "UTC offset" in english["since"][0]["message"]


def test_a_data_error_answers_400_in_the_error_envelope(api, monkeypatch):
    def refuse(*args, **kwargs):
        raise DataError("date/time field value out of range")

    monkeypatch.setattr(AuditEventViewSet, "list", refuse)
    response = api.get(EVENTS)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "value_out_of_range"
    assert "rien n'a été modifié" in error["message"]
    assert error["request_id"]
    english = api.get(EVENTS, HTTP_ACCEPT_LANGUAGE="en").json()["error"]
    assert english["code"] == "value_out_of_range"
    assert "nothing was changed" in english["message"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL refuses the offset")
@pytest.mark.django_db
def test_postgresql_raises_the_data_error_the_handler_maps():
    far_offset = datetime.timezone(datetime.timedelta(hours=-23))
    with pytest.raises(DataError):
        list(AuditEvent.objects.filter(
            created_at__gte=datetime.datetime(2026, 1, 1, tzinfo=far_offset)))
