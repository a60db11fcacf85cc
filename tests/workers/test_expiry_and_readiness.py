"""Expiry states refreshed with date windows and set-based updates; readiness recomputed in the
background, coalesced (a burst of changes costs one recomputation), with compare-and-set so a
change during the computation is not lost; daily snapshots taken once a day."""

import datetime
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit_prep.celery import app
from checklists.models import Adoption, ReadinessSnapshot
from checklists.services import checklist, links, snapshots, tailoring
from evidence import expiry
from evidence.models import EvidenceItem
from evidence.services import evidence as evidence_services
from evidence.signals import vault_changed
from tests.checklists.conftest import make_referential
from tests.factories import EvidenceFactory, OrganizationFactory, evidence_with_file
from workers import readiness_state
from workers.models import ReadinessState, ReminderPolicy

NOW = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 11, 26)  # NOW in Europe/Paris
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def item(org, user, valid_until, state="", **fields):
    effective = min(datetime.date(2026, 1, 15), valid_until or datetime.date.max)
    return EvidenceFactory(organization=org, created_by=user, valid_until=valid_until,
                           effective_date=effective, expiry_state=state, **fields)


def states(*items):
    return [EvidenceItem.objects.get(pk=i.pk).expiry_state for i in items]


# ------------------------------------------------------------------------------------ expiry


class TestExpiryRefresh:
    def test_states_at_the_window_boundaries(self, org, qm):
        expires_today = item(org, qm, TODAY)
        expired_yesterday = item(org, qm, TODAY - DAY, state="valid")
        window_edge = item(org, qm, TODAY + 30 * DAY)
        past_the_edge = item(org, qm, TODAY + 31 * DAY, state="expired")
        no_end = item(org, qm, None, state="expiring")
        archived = item(org, qm, TODAY - DAY, state="valid", status="archived", archived_at=NOW)
        archived_no_end = item(org, qm, None, state="expired", status="archived",
                               archived_at=NOW)

        changed = expiry.refresh()

        assert states(expires_today, expired_yesterday, window_edge, past_the_edge, no_end,
                      archived, archived_no_end) == [
            "expiring", "expired", "expiring", "valid", "", "valid", "expired"]
        assert changed == {"none": 1, "valid": 1, "expiring": 2, "expired": 1}

    def test_window_per_structure(self, org, qm):
        wide = OrganizationFactory()
        ReminderPolicy.objects.create(organization=wide, warning_days=60)
        narrow = OrganizationFactory()
        ReminderPolicy.objects.create(organization=narrow, warning_days=7)
        explicit_default = OrganizationFactory()
        ReminderPolicy.objects.create(organization=explicit_default, warning_days=30)
        in_45_days = TODAY + 45 * DAY
        in_7_days, in_8_days = TODAY + 7 * DAY, TODAY + 8 * DAY
        rows = [item(org, qm, in_45_days), item(wide, qm, in_45_days),
                item(narrow, qm, in_7_days), item(narrow, qm, in_8_days),
                item(explicit_default, qm, TODAY + 30 * DAY),
                item(explicit_default, qm, in_45_days)]

        expiry.refresh()

        assert states(*rows) == ["valid", "expiring", "expiring", "valid", "expiring", "valid"]

    def test_second_run_changes_nothing(self, org, qm):
        rows = [item(org, qm, TODAY + n * DAY) for n in (-3, 0, 10, 90)] + [item(org, qm, None)]
        assert sum(expiry.refresh().values()) == 4
        before = list(EvidenceItem.objects.order_by("pk").values_list("expiry_state",
                                                                     "updated_at"))

        with CaptureQueriesContext(connection) as queries:
            changed = expiry.refresh()

        assert changed == {"none": 0, "valid": 0, "expiring": 0, "expired": 0}
        assert before == list(EvidenceItem.objects.order_by("pk").values_list("expiry_state",
                                                                             "updated_at"))
        # Every UPDATE only matches rows whose state is wrong: none this time.
        updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
        assert updates and all("expiry_state" in sql and " IN (" in sql for sql in updates)
        assert len(rows) == 5

    def test_missed_days_catch_up(self, org, qm, frozen):
        soon_expired = item(org, qm, TODAY + 35 * DAY)
        later_expiring = item(org, qm, TODAY + 60 * DAY)
        expiry.refresh()
        assert states(soon_expired, later_expiring) == ["valid", "valid"]

        frozen.move_to(NOW + 40 * DAY)  # 40 days without a single run
        changed = expiry.refresh()

        assert states(soon_expired, later_expiring) == ["expired", "expiring"]
        assert changed["expired"] == 1 and changed["expiring"] == 1

    def test_statement_count_does_not_grow_with_the_vault(self, org, qm):
        ReminderPolicy.objects.create(organization=OrganizationFactory(), warning_days=60)

        def bulk(count):
            EvidenceItem.objects.bulk_create([
                EvidenceItem(organization=org, created_by=qm, title=f"P{n}", kind="document",
                             effective_date=datetime.date(2020, 1, 1),
                             valid_until=TODAY + (n % 200 - 100) * DAY if n % 10 else None,
                             expiry_state="expired" if n % 10 == 0 else "")
                for n in range(count)])

        def measure():
            EvidenceItem.objects.update(expiry_state="")
            with CaptureQueriesContext(connection) as queries:
                changed = expiry.refresh()
            updates = sum(q["sql"].startswith("UPDATE") for q in queries.captured_queries)
            return len(queries), updates, changed

        bulk(10)
        small, small_updates, small_changed = measure()
        bulk(990)
        for days in (7, 15, 90):  # more structures and windows do not add statements either
            ReminderPolicy.objects.create(organization=OrganizationFactory(), warning_days=days)
        large, large_updates, large_changed = measure()

        assert sum(small_changed.values()) == 9
        assert sum(large_changed.values()) == 900
        assert small == large and small_updates == large_updates == 4  # one per state
        assert len(expiry.windows()) == 5

    def test_management_command(self, org, qm, capsys):
        row = item(org, qm, datetime.date(2027, 1, 10))
        call_command("refresh_expiry", "--date", "2026-12-20")
        assert states(row) == ["expiring"]
        assert "1 evidence item(s) changed state" in capsys.readouterr().out
        call_command("refresh_expiry")
        assert states(row) == ["valid"]


# --------------------------------------------------------------------------------- readiness


@pytest.fixture
def iso(db):
    return make_referential()


@pytest.fixture
def adoption(iso, org, qm):
    referential, _ = iso
    return Adoption.objects.create(organization=org, referential=referential, adopted_by=qm)


@pytest.fixture
def sent():
    """The recomputations enqueued (apply_async calls), without running them."""
    task = app.tasks[readiness_state.RECOMPUTE_TASK]
    with mock.patch.object(task, "apply_async") as apply_async:
        yield apply_async


def approved_evidence(org, user, title="Preuve", **fields):
    return evidence_with_file(org, user, title=title, status="approved", approved_at=NOW,
                              **fields)


def state_of(adoption):
    return ReadinessState.objects.get(organization_id=adoption.organization_id,
                                      referential_id=adoption.referential_id)


def expected_percent(adoption):
    return round(checklist.build(adoption)["score"] * 100, 2)


class TestCoalescedRecompute:
    def test_a_burst_of_changes_marks_dirty_once_and_enqueues_once(
            self, adoption, qm, sent, django_capture_on_commit_callbacks):
        def committed(change):
            # each change as its own request: its after-commit callbacks run when it ends
            with django_capture_on_commit_callbacks(execute=True):
                return change()

        evidence = committed(lambda: evidence_services.create_evidence(
            qm, adoption.organization, {"title": "Procédure", "kind": "document",
                                        "effective_date": TODAY}))
        for n in range(49):
            committed(lambda n=n: evidence_services.update_evidence(
                qm, evidence, {"title": f"Procédure v{n}"}))

        assert sent.call_count == 1
        assert sent.call_args.kwargs == {"countdown": readiness_state.RECOMPUTE_COUNTDOWN}
        state = state_of(adoption)
        # dirty since the first change (later ones move it by a microsecond each)
        assert NOW <= state.dirty_since < NOW + datetime.timedelta(milliseconds=1)

        assert readiness_state.recompute_dirty() == 1
        state = state_of(adoption)
        assert state.dirty_since is None and state.computed_at == NOW
        assert readiness_state.recompute_dirty() == 0  # nothing left: a re-run does nothing

        committed(lambda: evidence_services.update_evidence(qm, evidence, {"title": "v50"}))
        assert sent.call_count == 2  # clean again, so the next change enqueues again

    def test_changes_in_one_transaction_enqueue_once(
            self, adoption, iso, qm, sent, django_capture_on_commit_callbacks):
        _, requirements = iso
        items = [approved_evidence(adoption.organization, qm, f"P{n}") for n in range(10)]
        with django_capture_on_commit_callbacks(execute=True) as callbacks, \
                transaction.atomic():
            for evidence in items:
                links.link_many(qm, [evidence], [requirements["4.3"]])
            for evidence in items:
                evidence_services.archive(qm, evidence, "remplacée")
        assert sum(cb is readiness_state.send_recompute for cb in callbacks) == 1
        assert sent.call_count == 1

    def test_a_rolled_back_change_marks_nothing_and_enqueues_nothing(
            self, adoption, qm, sent, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True) as callbacks, \
                pytest.raises(RuntimeError), transaction.atomic():
            evidence_services.create_evidence(
                qm, adoption.organization, {"title": "Brouillon", "kind": "record",
                                            "effective_date": TODAY})
            raise RuntimeError("request failed")
        assert not ReadinessState.objects.exists()
        assert callbacks == [] and sent.call_count == 0

    def test_structure_without_adoption_has_nothing_to_recompute(self, org, qm, sent):
        evidence_services.create_evidence(qm, org, {"title": "Procédure", "kind": "document",
                                                    "effective_date": TODAY})
        assert not ReadinessState.objects.exists() and sent.call_count == 0

    def test_checklist_services_mark_dirty(self, adoption, iso, org, qm, sent):
        _, requirements = iso
        evidence = approved_evidence(org, qm)
        other = make_referential(code="ess", version="1")[0]

        def dirty_after(action):
            ReadinessState.objects.update(dirty_since=None)
            action()
            return set(ReadinessState.objects.filter(dirty_since__isnull=False)
                       .values_list("referential_id", flat=True))

        both = {adoption.referential_id, other.pk}
        assert dirty_after(lambda: tailoring.adopt(qm, org, other)) == both
        created = []
        assert dirty_after(lambda: created.extend(
            links.link_many(qm, [evidence], [requirements["4.3"]]))) == both
        assert dirty_after(lambda: links.unlink(qm, created[0])) == both
        exclusions = []
        assert dirty_after(lambda: exclusions.append(tailoring.exclude(
            qm, org, requirements["8.3"], "Pas de conception"))) == both
        assert dirty_after(lambda: tailoring.include(qm, exclusions[0])) == both
        assert dirty_after(lambda: tailoring.update_adoption(
            qm, adoption, {"warning_days": 60})) == both

    def test_marking_costs_a_few_statements_whatever_the_vault(self, adoption, org, qm, sent):
        EvidenceItem.objects.bulk_create([
            EvidenceItem(organization=org, created_by=qm, title=f"P{n}", kind="record",
                         effective_date=TODAY) for n in range(300)])
        vault_changed.send(sender=EvidenceItem, organization_id=org.pk)  # creates the row
        for expected_newly in (0, 1):  # already dirty, then clean
            with CaptureQueriesContext(connection) as queries:
                assert readiness_state.mark_dirty(org.pk) == expected_newly
            assert len(queries) <= 3  # lock and read, update, adoptions
            ReadinessState.objects.update(dirty_since=None)

    def test_recompute_stores_score_and_counts(self, adoption, iso, org, qm, sent):
        _, requirements = iso
        links.link_many(qm, [approved_evidence(org, qm, "Périmètre")], [requirements["4.3"]])
        links.link_many(qm, [approved_evidence(org, qm, "Formation")], [requirements["7.2"]])

        assert readiness_state.recompute_dirty() == 1

        state = state_of(adoption)
        data = checklist.build(adoption)
        assert float(state.score) == expected_percent(adoption) > 0
        assert state.counts == data["counts"] and state.counts["covered"] == 2
        assert state.dirty_since is None

    def test_the_adoptions_show_the_latest_readiness(self, adoption, iso, org, qm, sent,
                                                     client_for):
        _, requirements = iso
        api = client_for(qm)
        url = f"/api/v1/adoptions/{adoption.pk}/"
        assert api.get(url).json()["readiness"] is None  # nothing computed yet

        links.link_many(qm, [approved_evidence(org, qm, "Périmètre")], [requirements["4.3"]])
        readiness_state.recompute_dirty()
        readiness = api.get(url).json()["readiness"]
        assert readiness["score"] == expected_percent(adoption) > 0
        assert readiness["counts"] == checklist.build(adoption)["counts"]
        assert readiness["up_to_date"] is True

        links.link_many(qm, [approved_evidence(org, qm, "Formation")], [requirements["7.2"]])
        stale = api.get(url).json()["readiness"]
        assert (stale["score"], stale["up_to_date"]) == (readiness["score"], False)
        changed = api.patch(url, {"warning_days": 45}, format="json").json()
        assert (changed["warning_days"], changed["readiness"]["score"]) == (45, stale["score"])

    def test_the_adoption_list_costs_the_same_queries_for_more_adoptions(
            self, adoption, org, qm, sent, client_for):
        api = client_for(qm)
        api.get("/api/v1/adoptions/")  # warm-up: session, grants
        readiness_state.mark_dirty(org.pk)
        readiness_state.recompute_dirty()
        with CaptureQueriesContext(connection) as one:
            assert len(api.get("/api/v1/adoptions/").json()["results"]) == 1
        for code in ("cedre", "ess"):
            referential, _ = make_referential(code=code)
            Adoption.objects.create(organization=org, referential=referential, adopted_by=qm)
        readiness_state.mark_dirty(org.pk)
        readiness_state.recompute_dirty()
        with CaptureQueriesContext(connection) as three:
            results = api.get("/api/v1/adoptions/").json()["results"]
        assert len(results) == 3 and all(r["readiness"]["up_to_date"] for r in results)
        assert len(three) == len(one)

    def test_a_change_during_the_computation_keeps_the_state_dirty(
            self, adoption, iso, org, qm, sent, django_capture_on_commit_callbacks):
        _, requirements = iso
        evidence = approved_evidence(org, qm)
        links.link_many(qm, [evidence], [requirements["4.3"]])
        real_build = checklist.build

        def build_while_someone_changes_the_vault(*args, **kwargs):
            result = real_build(*args, **kwargs)
            # committed after the computation read the vault, before it stores its figures
            links.link_many(qm, [evidence], [requirements["7.2"]])
            return result

        with mock.patch.object(readiness_state.checklist, "build",
                               side_effect=build_while_someone_changes_the_vault), \
                django_capture_on_commit_callbacks(execute=True) as callbacks:
            assert readiness_state.recompute_dirty() == 1

        state = state_of(adoption)
        assert state.dirty_since is not None  # not lost
        assert state.computed_at == NOW and state.counts["covered"] == 1  # figures stored
        assert sum(cb is readiness_state.send_recompute for cb in callbacks) == 1  # once more

        assert readiness_state.recompute_dirty() == 1
        state = state_of(adoption)
        assert state.dirty_since is None and state.counts["covered"] == 2


class TestDailySnapshots:
    def test_one_snapshot_per_adoption_per_day(self, adoption, iso, org, qm, frozen):
        other = Adoption.objects.create(organization=OrganizationFactory(),
                                        referential=iso[0], adopted_by=qm)
        snapshots.take(qm, adoption)  # a quality manager's snapshot does not replace it

        assert readiness_state.take_daily_snapshots() == 2
        assert readiness_state.take_daily_snapshots() == 0  # re-run: nothing more
        daily = ReadinessSnapshot.objects.filter(taken_by__isnull=True)
        assert sorted(daily.values_list("referential_id", "organization_id")) == sorted(
            [(adoption.referential_id, org.pk), (other.referential_id, other.organization_id)])
        assert set(daily.values_list("reference_date", flat=True)) == {TODAY}
        # the figures also refresh the latest readiness (here never computed before)
        assert state_of(adoption).computed_at == NOW
        assert state_of(adoption).score == daily.get(organization=org).score

        frozen.move_to(NOW + DAY)
        assert readiness_state.take_daily_snapshots() == 2
        assert ReadinessSnapshot.objects.filter(taken_by__isnull=True).count() == 4

    def test_backfill_of_a_past_day_leaves_the_latest_readiness_alone(self, adoption):
        assert readiness_state.take_daily_snapshots(TODAY - 3 * DAY) == 1
        assert readiness_state.take_daily_snapshots(TODAY - 3 * DAY) == 0
        assert not ReadinessState.objects.exists()
