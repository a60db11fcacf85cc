"""One validity, used everywhere: on one varied vault, the checklist, the evidence API's expiry
state, the reminders (what is due, with its date), the calendar feed (.ics parsed back), the XLSX
export (opened back with openpyxl) and the adoption's readiness (state and snapshot) give the
same end of validity and status for every item. Among the items: the demo's training
certificate (its own end wins over 7.2's 12-month period), a management review valid through
9.3's period, the review it replaced (no longer reminded nor in the calendar), a document
reviewed ("reviewed, still valid"), a record counting without approval."""

import datetime
import io

import pytest
import time_machine
from django.core import mail
from icalendar import Calendar
from openpyxl import load_workbook

from checklists.exports import common
from checklists.models import EvidenceLink, ReadinessSnapshot, ReadinessState
from checklists.services import checklist, readiness_state
from evidence import services as evidence_services
from notices import reminders
from notices.calendar import feed_for
from notices.models import Reminder
from tests.factories import evidence_with_file

from .conftest import make_referential

TODAY = datetime.date(2026, 12, 5)
NOW = datetime.datetime(2026, 12, 5, 9, tzinfo=datetime.UTC)
D = datetime.date
CLAUSES = [
    ("4", None, [], None), ("4.3", "4", ["maintain"], None),
    ("6", None, [], None), ("6.2.1", "6", ["maintain"], 12),
    ("7", None, [], None), ("7.2", "7", ["retain"], 12), ("7.5.3", "7", ["retain"], None),
    ("8", None, [], None), ("8.3", "8", ["retain"], None),
    ("9", None, [], None), ("9.3.3", "9", ["retain"], 12),
]
APPROVED = {"status": "approved", "approved_at": "2025-01-01T00:00Z"}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _item(org, qm, requirement, **fields):
    item = evidence_with_file(org, qm, owner=qm, **fields)
    if requirement is not None:
        EvidenceLink.objects.create(evidence=item, requirement=requirement, created_by=qm)
    return item


def _vault(org, qm, requirements):
    """(title: evidence) of the vault, with what each one is there for."""
    def link(ref):
        return requirements[ref]

    items = {
        # the demo's case: valid until 10/12/2026 on 7.2 (12-month practice period)
        "certificate": _item(org, qm, link("7.2"), kind="record", title="Attestation SST",
                             effective_date=D(2024, 12, 10), valid_until=D(2026, 12, 10),
                             **APPROVED),
        # a management review: no end of its own, 9.3's 12 months from its date
        "review_2026": _item(org, qm, link("9.3.3"), kind="record", title="Revue 2026",
                             effective_date=D(2026, 1, 20), **APPROVED),
        # the review it replaced: expired, superseded, no longer reminded
        "review_2025": _item(org, qm, link("9.3.3"), kind="record", title="Revue 2025",
                             effective_date=D(2025, 1, 10), **APPROVED),
        # a procedure with its own 36-month period, reviewed (then valid until 2029)
        "procedure": _item(org, qm, link("4.3"), kind="document", title="Procédure périmètre",
                           effective_date=D(2023, 5, 1), renewal_months=36,
                           valid_until=D(2026, 5, 1), **APPROVED),
        # a policy with no end of its own: 6.2.1's 12 months, restarted by a review
        "policy": _item(org, qm, link("6.2.1"), kind="document", title="Objectifs qualité",
                        effective_date=D(2024, 2, 1), **APPROVED),
        # overdue by 34 days on its own end
        "overdue": _item(org, qm, link("8.3"), kind="record", title="Contrôle véhicule",
                         effective_date=D(2025, 11, 1), valid_until=D(2026, 11, 1),
                         **APPROVED),
        # a draft record with a verified file: counts without approval (the default)
        "register": _item(org, qm, link("7.5.3"), kind="record", title="Registre",
                          effective_date=D(2026, 1, 1), valid_until=D(2027, 1, 5)),
        # linked to nothing: its own end
        "kbis": _item(org, qm, None, kind="record", title="Extrait Kbis",
                      effective_date=D(2026, 1, 1), valid_until=D(2026, 12, 30)),
    }
    evidence_services.mark_reviewed(qm, items["procedure"], D(2026, 6, 1), "Relue, inchangée")
    evidence_services.mark_reviewed(qm, items["policy"], D(2026, 2, 2), "Relue en revue")
    return items


EXPECTED = {
    # item: (end of validity, superseded, expiry state today, requirement status)
    "certificate": (D(2026, 12, 10), False, "expiring", "expiring"),
    "review_2026": (D(2027, 1, 20), False, "valid", "covered"),
    "review_2025": (D(2026, 1, 10), True, "superseded", "covered"),
    "procedure": (D(2029, 6, 1), False, "valid", "covered"),
    "policy": (D(2027, 2, 2), False, "valid", "covered"),
    "overdue": (D(2026, 11, 1), False, "expired", "expired"),
    "register": (D(2027, 1, 5), False, "valid", "covered"),
    "kbis": (D(2026, 12, 30), False, "expiring", None),
}


def _api_view(api, items):
    body = api.get("/api/v1/evidence/?page_size=100").json()["results"]
    by_id = {row["id"]: row for row in body}
    return {name: (by_id[item.pk]["validity_end"], by_id[item.pk]["superseded"],
                   by_id[item.pk]["expiry_state"]) for name, item in items.items()}


def _checklist_view(adoption, items):
    """Per item: the end the checklist shows it with, and its requirement's status and end."""
    data = checklist.build(adoption, TODAY, order="clause")
    names = {item.pk: name for name, item in items.items()}
    seen = {}
    for row in data["items"]:
        for shown in row["evidence"]:
            seen[names[shown["id"]]] = (shown["valid_until"], row["ref_id"], row["status"],
                                        row["valid_until"])
    return data, seen


def _xlsx_view(api, adoption):
    response = api.get(f"/api/v1/adoptions/{adoption.pk}/checklist/export/xlsx/?date={TODAY}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)
                                     if response.streaming else response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override("fr"):
        requirement, status_title, valid_title = (
            gettext("Requirement"), gettext("Status"), gettext("Valid until"))
        assert {requirement, status_title, valid_title} <= set(common.column_titles())
    header = next(i for i, row in enumerate(rows) if row and row[0] == requirement)
    ref, valid = rows[header].index(requirement), rows[header].index(valid_title)
    status = rows[header].index(status_title)
    return {row[ref]: (row[status], row[valid].date() if row[valid] else None)
            for row in rows[header + 1:] if row[ref]}


def _calendar_view(user):
    calendar = Calendar.from_ical(feed_for(user, TODAY))
    out = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event["UID"])
        if uid.startswith("evidence-"):
            out[int(uid.split("-")[1])] = event.decoded("DTSTART")
    return out


def test_same_validity_everywhere(frozen, api, org, qm):
    referential, requirements = make_referential(clauses=CLAUSES)
    from checklists.models import Adoption

    adoption = Adoption.objects.create(organization=org, referential=referential, adopted_by=qm,
                                       target_audit_date=D(2027, 3, 15))
    items = _vault(org, qm, requirements)
    readiness_state.recompute_dirty()  # what the workers do after a change (read model too)

    # 1. the evidence API: stored validity and today's expiry state
    api_view = _api_view(api, items)
    for name, (end, superseded, state, _status) in EXPECTED.items():
        assert api_view[name] == (end.isoformat(), superseded, state), name

    # 2. the checklist: the end it shows each item with, the requirement's status and end
    data, seen = _checklist_view(adoption, items)
    for name, (end, superseded, _state, status) in EXPECTED.items():
        if status is None:
            assert name not in seen
            continue
        shown_end, _ref_id, row_status, row_end = seen[name]
        assert (shown_end, row_status) == (end, status), name
        if not superseded:
            assert row_end == end, name  # the one counting item gives the requirement's end
    # the demo's training certificate: 7.2 expires on the certificate's own end
    assert seen["certificate"][1:] == ("7.2", "expiring", D(2026, 12, 10))

    # 3. the XLSX export, opened back: the same status and end per requirement
    xlsx = _xlsx_view(api, adoption)
    for row in data["items"]:
        assert xlsx[row["ref_id"]] == (row["status_label"], row["valid_until"]), row["ref_id"]

    # 4. the adoption's readiness (state recomputed by the workers, daily snapshot)
    state = ReadinessState.objects.get(organization=org, referential=referential)
    assert state.counts == data["counts"] and state.dirty_since is None
    readiness_state.take_daily_snapshots(TODAY)
    snapshot = ReadinessSnapshot.objects.get(reference_date=TODAY, taken_by__isnull=True)
    assert snapshot.statuses == {row["ref_id"]: row["status"] for row in data["items"]}

    # 5. the reminders: what is due, and for which date (leads 60 / 30 / 7 / 0, weekly overdue)
    result = reminders.run(TODAY)
    due = {name: set(Reminder.objects.filter(evidence=item).values_list("valid_until", flat=True))
           for name, item in items.items()}
    for name, (end, superseded, _state, _status) in EXPECTED.items():
        days_left = (end - TODAY).days
        expected = set() if superseded or days_left > 60 else {end}
        assert due[name] == expected, name
    assert result.emails_sent == 1  # one digest for the owner
    digest = mail.outbox[-1].body
    assert "Attestation SST" in digest and "Revue 2025" not in digest

    # 6. the calendar feed, parsed back: one event per item not replaced, on its end
    feed = _calendar_view(qm)
    names = {item.pk: name for name, item in items.items()}
    assert {names[pk]: day for pk, day in feed.items()} == {
        name: end for name, (end, superseded, _s, _st) in EXPECTED.items() if not superseded}


def test_a_replaced_item_loses_its_open_reminders(frozen, org, qm):
    referential, requirements = make_referential(clauses=CLAUSES)
    from checklists.models import Adoption

    Adoption.objects.create(organization=org, referential=referential, adopted_by=qm)
    old = _item(org, qm, requirements["9.3.3"], kind="record", title="Revue 2025",
                effective_date=D(2025, 12, 20), **APPROVED)
    reminders.run(TODAY)
    assert set(Reminder.objects.filter(evidence=old).values_list("valid_until", "threshold")
               ) == {(D(2026, 12, 20), 60), (D(2026, 12, 20), 30)}
    reminder = Reminder.objects.get(evidence=old, threshold=30)  # the one delivered
    # as a mail server failure leaves it: open, its delivery unsent
    Reminder.objects.filter(pk=reminder.pk).update(completed_at=None)
    reminder.deliveries.update(sent_at=None, last_error="deferred")
    assert old.pk in _calendar_view(qm)

    _item(org, qm, requirements["9.3.3"], kind="record", title="Revue 2026",
          effective_date=D(2026, 12, 1), **APPROVED)
    reminders.run(TODAY)
    reminder.refresh_from_db()
    assert reminder.completed_at is not None
    assert list(reminder.deliveries.values_list("last_error", flat=True)) == [
        reminders.OBSOLETE]
    # nothing more for it, on any later day
    reminders.run(TODAY + datetime.timedelta(days=20))
    assert Reminder.objects.filter(evidence=old).count() == 2
    assert old.pk not in _calendar_view(qm)
