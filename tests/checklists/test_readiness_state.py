"""Readiness recomputed in the background, coalesced (a burst of changes costs one
recomputation), with compare-and-set so a change during the computation is not lost; daily
snapshots taken once a day."""

import datetime
from unittest import mock

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit_prep.celery import app
from checklists.models import Adoption, ReadinessSnapshot, ReadinessState
from checklists.services import checklist, links, readiness_state, snapshots, tailoring
from evidence.models import EvidenceItem
from evidence.services import evidence as evidence_services
from evidence.signals import vault_changed
from tests.checklists.conftest import make_referential
from tests.factories import OrganizationFactory, evidence_with_file

NOW = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 11, 26)  # NOW in Europe/Paris
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


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
    return checklist.build(adoption)["score"]


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
        assert sent.call_args.kwargs == {"args": [],
                                         "countdown": readiness_state.RECOMPUTE_COUNTDOWN}
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
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            for evidence in items:
                links.link_many(qm, [evidence], [requirements["4.3"]])
            for evidence in items:
                evidence_services.archive(qm, evidence, "remplacée")
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
                django_capture_on_commit_callbacks(execute=True):
            assert readiness_state.recompute_dirty() == 1

        state = state_of(adoption)
        assert state.dirty_since is not None  # not lost
        assert state.computed_at == NOW and state.counts["covered"] == 1  # figures stored
        assert sent.call_count == 1  # once more

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

    def test_the_passing_of_days_refreshes_what_to_do_next(self, org, qm, frozen, sent):
        referential, requirements = make_referential(code="autre")  # no stage-1 gates
        adoption = Adoption.objects.create(organization=org, referential=referential,
                                           adopted_by=qm,
                                           target_audit_date=TODAY + 60 * DAY)
        evidence = approved_evidence(org, qm, "Périmètre", valid_until=TODAY + 2 * DAY)
        links.link_many(qm, [evidence], [requirements["4.3"]])
        readiness_state.recompute_dirty()
        [step] = [step for step in state_of(adoption).summary["steps"]
                  if step["ref_id"] == "4.3"]
        assert (step["kind"], step["evidence_id"]) == ("expires_before_audit", evidence.pk)

        frozen.move_to(NOW + 3 * DAY)  # no change of the vault: the daily pass sees it expire
        assert readiness_state.take_daily_snapshots() == 1
        state = state_of(adoption)
        [step] = [step for step in state.summary["steps"] if step["ref_id"] == "4.3"]
        assert (step["kind"], state.computed_at) == ("expired", NOW + 3 * DAY)
        assert state.summary["reference_date"] == (TODAY + 3 * DAY).isoformat()

    def test_backfill_of_a_past_day_leaves_the_latest_readiness_alone(self, adoption):
        assert readiness_state.take_daily_snapshots(TODAY - 3 * DAY) == 1
        assert readiness_state.take_daily_snapshots(TODAY - 3 * DAY) == 0
        assert not ReadinessState.objects.exists()
