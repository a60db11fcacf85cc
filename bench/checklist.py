#!/usr/bin/env python
"""Benchmark: the readiness checklist of a structure with a large evidence vault, on PostgreSQL.

Targets (issue 9): for a structure with 3 adopted referentials, 10,000 evidence items and
20,000 links, on PostgreSQL on this machine:

* the checklist runs the same number of SQL queries as with 10 items (also asserted in
  tests/checklists/test_checklist_api.py);
* median time with 10,000 items <= 150 ms.

Issue 10 adds populations: each structure keeps two populations of 500 members (employees in
pathway, supervisors; --members), most of them named by an evidence item linked to the CEDRE
template's per-member requirements (T3 contrat d'engagement réciproque, T4.2 encadrement
technique). The same two targets are read on the CEDRE adoption's checklist, which counts those
members one by one, besides the ISO 9001 one.

Both are measured for (a) the service ``checklists.services.checklist.build(adoption)`` called
in-process, and (b) the full HTTP path ``GET /api/v1/adoptions/{id}/checklist/`` through
Django's test client (session login, middleware, DRF, JSON rendering). The target is read on
(b): it is what a user waits for.

Run by hand; the test suite runs only its small mode (``--small``: two small vaults, a few
runs, no target checked)::

    .venv/bin/python bench/checklist.py [--small] [--sizes 10,10000] [--repeat 30] [--warmup 3]
                                        [--admin-url URL] [--library FILE ...] [--seed N]
                                        [--own-requirements 51] [--members 500]
                                        [--quiet 0.3] [--quiet-timeout 600]
                                        [--profile] [--keep] [--no-progress]

The script creates a throwaway PostgreSQL database (audit_prep_bench_<random>), migrates it,
imports the referential libraries, grows the vault and drops the database at the end (unless
--keep). See bench/README.md for what is measured and how.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import gc
import io
import json
import os
import pstats
import random
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from common import (
    DEFAULT_ADMIN_URL,
    REPO,
    configure_django,
    create_database,
    drop_database,
    log,
    machine_info,
    redact,
    repo_on_path,
    with_database,
)
from django.utils import timezone
from tqdm import tqdm

LIBRARIES = REPO / "checklists" / "libraries"
# The structure: 3 adopted referentials, about 150 requirements. No three shipped
# libraries reach 150, so the third is the structure's own list (an auditor's document request
# list, created through the service the CSV/XLSX import uses). The harder shape measured
# before (ISO 9001 + CEDRE + ESS guide, 108 requirements, ISO 9001 taking 83 % of the links):
# --library iso9001-2015.yaml --library cedre-iso9001-template.yaml
# --library ess-good-practice-guide.yaml --own-requirements 0
DEFAULT_LIBRARIES = ("iso9001-2015.yaml", "cedre-iso9001-template.yaml")
DEFAULT_OWN_REQUIREMENTS = 51
TARGET_CODE = "iso9001"
MEMBERS_CODE = "cedre-iso9001"  # the adoption with per-member requirements
DEFAULT_MEMBERS = 500
MEDIAN_TARGET_MS = 150.0
LINKS_PER_ITEM = 2


# ----------------------------------------------------------------------------------- helpers


def ms(seconds: float) -> float:
    return seconds * 1000


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


# ------------------------------------------------------------------------ CPU contention


def _jiffies(pid: int | str) -> int:
    """utime + stime of a process, in clock ticks (0 when it is gone or unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _cpu_totals() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (values + [0] * 8)[:8]
    busy = user + nice + system + irq + softirq + steal
    return busy, busy + idle + iowait


class OtherLoad:
    """CPUs kept busy by *other* processes (not this one, not its PostgreSQL backend) between
    start() and stop(): other work on the machine slows the measurement down, and this says
    by how much it was competing. On this 2 vCPU VM, a test suite running next to the
    benchmark shows as about 1.5 to 2."""

    backend_pid: int | None = None

    def start(self) -> OtherLoad:
        self._busy, self._total = _cpu_totals()
        self._own = self._own_jiffies()
        return self

    def stop(self) -> float:
        busy, total = _cpu_totals()
        own = self._own_jiffies()
        if total == self._total:
            return 0.0
        others = max(0, (busy - self._busy) - (own - self._own))
        return others / (total - self._total) * (os.cpu_count() or 1)

    def _own_jiffies(self) -> int:
        own = _jiffies("self")
        if OtherLoad.backend_pid:
            own += _jiffies(OtherLoad.backend_pid)
        return own


def wait_for_quiet(threshold: float, timeout: float) -> float:
    """Wait (up to `timeout` s) until other processes use less than `threshold` CPUs over a
    1 s window; return the last reading (0.0 at once when `threshold` is 0: no waiting)."""
    if threshold <= 0:
        return 0.0
    deadline = time.monotonic() + timeout
    waiting = False
    while True:
        probe = OtherLoad().start()
        time.sleep(1)
        load = probe.stop()
        if load < threshold or time.monotonic() > deadline:
            if load >= threshold:
                log(f"still {load:.2f} CPUs busy with other processes after {timeout:.0f} s; "
                    "measuring anyway (see 'other load' in the results)")
            return load
        if not waiting:
            log(f"{load:.2f} CPUs busy with other processes; waiting for < {threshold:g}")
            waiting = True
        time.sleep(2)


@dataclass
class Timing:
    """Timed repetitions of one measurement, in seconds."""

    samples: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # CPU time of this process per run
    queries: int = 0
    other_load: float = 0.0  # CPUs busy with other processes during the timed runs

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p90(self) -> float:
        return percentile(self.samples, 0.9)

    @property
    def low(self) -> float:
        return min(self.samples)


QUIET = {"threshold": 0.3, "timeout": 600.0}  # set from --quiet / --quiet-timeout
ATTEMPTS = 3


def timed(func, repeat: int, warmup: int, *, label: str, progress: bool) -> Timing:
    """Warm-up calls, then `repeat` timed calls of `func` (garbage collector left on, as in a
    server process). The number of SQL queries is counted on one extra, untimed call.

    Before the timed calls, waits until other processes leave the CPUs alone (--quiet); when
    they used more than max(0.5, --quiet) CPUs during the timed calls anyway, the block is run
    again (up to 3 attempts) and the attempt with the least competition is kept."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    best = None
    for attempt in range(1, ATTEMPTS + 1):
        wait_for_quiet(QUIET["threshold"], QUIET["timeout"])
        for _ in range(warmup):
            func()
        timing = Timing()
        load = OtherLoad().start()
        for _ in tqdm(range(repeat), desc=label, unit="run", leave=False,
                      disable=None if progress else True, file=sys.stderr):
            start, start_cpu = time.perf_counter(), time.process_time()
            func()
            timing.samples.append(time.perf_counter() - start)
            timing.cpu.append(time.process_time() - start_cpu)
        timing.other_load = load.stop()
        if best is None or timing.other_load < best.other_load:
            best = timing
        if QUIET["threshold"] <= 0 or timing.other_load <= max(0.5, QUIET["threshold"]):
            break
        log(f"{label}: other processes used {timing.other_load:.2f} CPUs during the runs "
            f"(attempt {attempt}/{ATTEMPTS})" + ("; again" if attempt < ATTEMPTS else ""))
    with CaptureQueriesContext(connection) as queries:
        func()
    best.queries = len(queries)
    return best


# ------------------------------------------------------------------------------------- setup


@dataclass
class Setup:
    user: object
    organization: object
    adoptions: dict  # code -> Adoption
    requirements: list  # assessable requirements of every adopted referential
    library_rows: list  # (file, code, nodes, assessable, import seconds)


def own_requirement_rows(count: int) -> list[dict]:
    """An auditor's document request list: `count` rows, a third with a 12-month renewal."""
    subjects = ("Registre des entrées et sorties des salariés en insertion",
                "Conventions de mise à disposition signées", "Bilans de fin de parcours",
                "Plan de formation de l'année", "Compte rendu du comité de pilotage",
                "Tableau de bord des sorties dynamiques", "Attestations d'assurance",
                "Questionnaires de satisfaction des clients")
    return [{"ref_id": f"DR-{index:02d}",
             "name_fr": f"{subjects[index % len(subjects)]} ({index})",
             "documented_information": ["retain"] if index % 2 else [],
             "renewal_months": 12 if index % 3 == 0 else None}
            for index in range(1, count + 1)]


def import_libraries(library_files: list[Path]) -> tuple[list, list]:
    """Migrate, then import the libraries: (referentials, library_rows)."""
    from django.core.management import call_command

    from checklists.library import load_library
    from checklists.models import Requirement
    from checklists.services.importer import import_library

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    log(f"migrated in {time.perf_counter() - started:.1f} s")

    library_rows = []
    referentials = []
    for path in library_files:
        start = time.perf_counter()
        report = import_library(load_library(path))
        seconds = time.perf_counter() - start
        referential = report.referential
        nodes = Requirement.objects.filter(referential=referential).count()
        assessable = Requirement.objects.filter(referential=referential, assessable=True).count()
        library_rows.append((path.name, referential.code, nodes, assessable, seconds))
        referentials.append(referential)
        log(f"imported {path.name}: {nodes} requirements ({assessable} assessable) in "
            f"{seconds:.3f} s")
    return referentials, library_rows


def make_structure(referentials: list, library_rows: list, own_requirements: int) -> Setup:
    """A structure with its quality manager, adopting the referentials (and its own list)."""
    from django.contrib.auth import get_user_model

    from audit_prep.models import Membership, Organization
    from audit_prep.roles import Role
    from checklists.models import Adoption, Exclusion, Requirement
    from checklists.services.tailoring import upsert_own_requirements

    referentials, library_rows = list(referentials), list(library_rows)
    user = get_user_model().objects.create_user(
        username=f"bench-{secrets.token_hex(4)}", password=secrets.token_urlsafe(16))
    organization = Organization.objects.create(name="Structure de banc d'essai",
                                               slug=f"bench-{secrets.token_hex(4)}", kind="aci")
    Membership.objects.create(user=user, organization=organization,
                              role=Role.QUALITY_MANAGER)
    adoptions = {}
    for referential in referentials:
        adoptions[referential.code] = Adoption.objects.create(
            organization=organization, referential=referential, adopted_by=user,
            target_audit_date=timezone.localdate() + datetime.timedelta(days=110))
    if own_requirements:
        start = time.perf_counter()
        upsert_own_requirements(user, organization, own_requirement_rows(own_requirements))
        adoption = Adoption.objects.select_related("referential").get(
            organization=organization, referential__organization=organization)
        referentials.append(adoption.referential)
        adoptions[adoption.referential.code] = adoption
        library_rows.append(("(own requirements, through the service)",
                             adoption.referential.code, own_requirements, own_requirements,
                             time.perf_counter() - start))
    # Two justified exclusions, as an SIAE typically declares (design and development).
    for requirement in Requirement.objects.filter(referential__code=TARGET_CODE,
                                                  ref_id__in=("8.3", "8.3.2")):
        Exclusion.objects.create(organization=organization, requirement=requirement,
                                     justification="Pas de conception : mise à disposition.",
                                     decided_by=user)
    requirements = list(Requirement.objects.filter(
        referential__in=referentials, assessable=True, retired_at__isnull=True).order_by("pk"))
    return Setup(user, organization, adoptions, requirements, library_rows)


TITLES = ("Revue de direction", "Compte rendu d'audit interne", "Attestation de formation SST",
          "Procédure de maîtrise des documents", "Enquête de satisfaction des bénéficiaires",
          "Plan d'action qualité", "Fiche de poste encadrant technique", "Registre du personnel",
          "Habilitation électrique", "Évaluation des fournisseurs", "Objectifs qualité et "
          "indicateurs", "Politique qualité signée", "Contrat de mise à disposition",
          "Bilan d'accompagnement socio-professionnel", "Non-conformité et action corrective")


def draw_status(rng: random.Random) -> str:
    """85 % approved, 7 % draft, 4 % in review, 4 % archived."""
    roll = rng.random()
    if roll < 0.85:
        return "approved"
    if roll < 0.92:
        return "draft"
    if roll < 0.96:
        return "in_review"
    return "archived"


def draw_dates(rng: random.Random,
               on: datetime.date) -> tuple[datetime.date, datetime.date | None, str]:
    """(effective date, valid until, kind of dates): 5 % not in force yet; otherwise validity
    ended (15 %), ends within the warning window (10 %), ends later (35 %) or no end (40 %)."""
    if rng.random() < 0.05:
        effective = on + datetime.timedelta(days=rng.randint(1, 90))
        valid_until = effective + datetime.timedelta(days=365) if rng.random() < 0.5 else None
        return effective, valid_until, "future_effective"
    roll = rng.random()
    if roll < 0.15:
        valid_until = on - datetime.timedelta(days=rng.randint(1, 400))
        effective = valid_until - datetime.timedelta(days=rng.randint(30, 700))
        return effective, valid_until, "validity_ended"
    effective = on - datetime.timedelta(days=rng.randint(0, 1100))
    if roll < 0.25:
        return effective, on + datetime.timedelta(days=rng.randint(0, 30)), "ends_within_30_days"
    if roll < 0.60:
        return effective, on + datetime.timedelta(days=rng.randint(31, 1000)), "ends_later"
    return effective, None, "no_end"


def grow_vault(setup: Setup, start_index: int, count: int, rng: random.Random,
               on: datetime.date, *, progress: bool) -> dict[str, int]:
    """Add `count` evidence items with realistic variety, each linked to 2 distinct assessable
    requirements drawn at random over the 3 adopted referentials. Returns a tally."""
    from django.db import connection

    from evidence.models import EvidenceItem

    now = timezone.now()
    user, org = setup.user, setup.organization
    items, verified, tally = [], [], {}
    for i in range(start_index, start_index + count):
        status = draw_status(rng)
        effective, valid_until, dates = draw_dates(rng, on)
        # Revisions: approved items have a verified current revision, except 2 % whose file is
        # still being verified; half of the drafts have no verified file yet.
        has_verified = not ((status == "approved" and rng.random() < 0.02)
                            or (status == "draft" and rng.random() < 0.5))
        tally[status] = tally.get(status, 0) + 1
        tally[dates] = tally.get(dates, 0) + 1
        tally["verified_current_revision"] = tally.get("verified_current_revision", 0) + int(
            has_verified)
        items.append(EvidenceItem(
            organization=org, created_by=user, owner=user,
            title=f"{rng.choice(TITLES)} n° {i + 1}",
            description="Pièce générée par bench/checklist.py." if i % 4 == 0 else "",
            kind="record" if rng.random() < 0.6 else "document", status=status,
            effective_date=effective, valid_until=valid_until,
            renewal_months=rng.choice((None, None, None, 12, 24, 36)),
            approved_by=user if status in ("approved", "archived") else None,
            approved_at=now if status in ("approved", "archived") else None,
            archived_by=user if status == "archived" else None,
            archived_at=now if status == "archived" else None,
            archive_reason="Remplacée." if status == "archived" else "",
        ))
        verified.append(has_verified)
    insert_vault(setup, items, verified, rng, tally, progress=progress)
    # Fresh planner statistics and visibility map, as autovacuum would leave them; done here so
    # that an autovacuum woken by the bulk inserts does not run during the timed blocks.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return tally


def insert_vault(setup: Setup, items: list, verified: list[bool], rng: random.Random,
                 tally: dict[str, int], *, progress: bool) -> None:
    """Bulk-insert the items, one revision and one stored file each, and their links."""
    from checklists.models import EvidenceLink
    from evidence.file_checks import refresh_file_check
    from evidence.models import EvidenceItem, Revision, StoredFile, VerificationStatus

    now = timezone.now()
    user, org, count = setup.user, setup.organization, len(items)
    bar = tqdm(total=count * (3 + LINKS_PER_ITEM), desc=f"vault +{count}", unit="row",
               leave=False, disable=None if progress else True, file=sys.stderr)
    created = []
    for chunk in range(0, len(items), 2000):
        created += EvidenceItem.objects.bulk_create(items[chunk:chunk + 2000])
        bar.update(len(items[chunk:chunk + 2000]))
    revisions = [
        Revision(evidence=item, number=1, created_by=user, is_current=ok,
                 verification_status=(VerificationStatus.VERIFIED if ok
                                      else VerificationStatus.PENDING),
                 verified_at=now if ok else None)
        for item, ok in zip(created, verified, strict=True)]
    Revision.objects.bulk_create(revisions, batch_size=2000)
    bar.update(len(revisions))
    # One stored file per revision (no object in storage: the checklist reads the rows only).
    # 0.2 % of the files are marked altered.
    files = []
    for revision in revisions:
        extra = {"integrity_error": True} if rng.random() < 0.002 else {}
        tally["altered_file"] = tally.get("altered_file", 0) + len(extra)
        digest = f"{revision.evidence_id:064x}"
        files.append(StoredFile(organization=org, revision=revision, name="preuve.pdf",
                                mime_type="application/pdf", size=rng.randint(20_000, 900_000),
                                sha256=digest, storage_key=f"o/{org.pk}/{digest}", **extra))
    StoredFile.objects.bulk_create(files, batch_size=2000)
    refresh_file_check([item.pk for item in created])  # as verification and the sweep do
    bar.update(len(files))
    links = []
    for item in created:
        for requirement in rng.sample(setup.requirements, LINKS_PER_ITEM):
            links.append(EvidenceLink(evidence=item, requirement=requirement, created_by=user))
    EvidenceLink.objects.bulk_create(links, batch_size=4000)
    bar.update(len(links))
    bar.close()


def add_populations(setup: Setup, count: int, rng: random.Random,
                    on: datetime.date) -> dict[str, int]:
    """Two populations of `count` members (employees in pathway, supervisors) for the
    per-member requirements of the CEDRE adoption: 15 % have left, 10 % are named by no
    evidence, the others by one approved item of the vault linked to the requirement."""
    from checklists.models import EvidenceLink, Requirement
    from evidence.models import EvidenceItem
    from populations.models import EvidenceMember, Member, Population

    adoption = setup.adoptions.get(MEMBERS_CODE)
    if adoption is None or not count:
        return {}
    requirements = Requirement.objects.filter(referential_id=adoption.referential_id
                                              ).exclude(per_member="")
    items = list(EvidenceItem.objects.filter(organization=setup.organization,
                                             status="approved").values_list("pk", flat=True))
    tally: dict[str, int] = {}
    links, named = [], []
    for requirement in requirements:
        population = Population.objects.create(organization=setup.organization,
                                               kind=requirement.per_member,
                                               created_by=setup.user)
        members = []
        for index in range(1, count + 1):
            entered = rng.randint(0, 900)
            left = rng.randint(0, min(30, entered)) if rng.random() < 0.15 else None
            members.append(Member(
                population=population, reference=f"{index:05d}",
                initials="".join(rng.choice("ABCDEFGHJKLMNPRSTV") for _ in range(2)),
                entry_date=on - datetime.timedelta(days=entered),
                exit_date=None if left is None else on - datetime.timedelta(days=left)))
        Member.objects.bulk_create(members)
        chosen = rng.sample(items, min(len(items), count))
        for member, item in zip(members, chosen, strict=False):
            if rng.random() < 0.10:
                tally["members_without_evidence"] = tally.get("members_without_evidence", 0) + 1
                continue
            links.append(EvidenceLink(evidence_id=item, requirement=requirement,
                                      created_by=setup.user))
            named.append(EvidenceMember(evidence_id=item, member=member, created_by=setup.user))
        tally[f"members_{requirement.per_member}"] = count
    EvidenceLink.objects.bulk_create(links, batch_size=4000, ignore_conflicts=True)
    EvidenceMember.objects.bulk_create(named, batch_size=4000)
    tally["evidence_naming_members"] = len(named)
    return tally


# --------------------------------------------------------------------------------- measuring


@dataclass
class SizeResult:
    size: int
    links: int
    adoption_links: dict  # code -> links of that referential
    service: dict  # code -> Timing
    api: dict  # code -> Timing
    stages: dict  # name -> Timing (target adoption only)
    response_bytes: int
    evidence_shown: int
    evidence_total: int
    statuses: dict
    members: str = ""  # the per-member items of the CEDRE checklist: "T3 381 / 425, ..."


def measure(setup: Setup, size: int, args, tally_links: int) -> SizeResult:
    from django.db import connection
    from django.test import Client
    from django.utils import translation
    from rest_framework.renderers import JSONRenderer

    from checklists.models import Adoption, EvidenceLink
    from checklists.services import checklist

    progress = not args.no_progress
    note_backend_pid()
    service, api, adoption_links = {}, {}, {}
    client = Client(HTTP_HOST="localhost")
    client.force_login(setup.user)
    target_body = None
    for code, adoption in setup.adoptions.items():
        adoption = Adoption.objects.select_related("organization", "referential").get(
            pk=adoption.pk)
        adoption_links[code] = EvidenceLink.objects.filter(
            requirement__referential_id=adoption.referential_id,
            evidence__organization_id=adoption.organization_id).count()
        url = f"/api/v1/adoptions/{adoption.pk}/checklist/"

        def call_service(adoption=adoption):
            with translation.override("fr"):
                checklist.build(adoption)

        def call_api(url=url):
            response = client.get(url, HTTP_ACCEPT="application/json")
            if response.status_code != 200:
                raise SystemExit(f"GET {url}: HTTP {response.status_code} "
                                 f"{response.content[:300]!r}")
            return response

        repeat = args.repeat if code == TARGET_CODE else max(5, args.repeat // 3)
        service[code] = timed(call_service, repeat, args.warmup, progress=progress,
                              label=f"{size} service {code}")
        api[code] = timed(call_api, repeat, args.warmup, progress=progress,
                          label=f"{size} API {code}")
        if code == TARGET_CODE:
            target_body = call_api().content

    # Where the time goes, on the target adoption (medians of fewer runs).
    adoption = Adoption.objects.select_related("organization", "referential").get(
        pk=setup.adoptions[TARGET_CODE].pk)
    sql = links_sql(adoption)
    with translation.override("fr"):
        built = checklist.build(adoption)
    renderer = JSONRenderer()

    def fetch_rows():
        with connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()

    def render():
        renderer.render(built, "application/json", {})

    stage_repeat = max(5, args.repeat // 3)

    def stage(label, func):
        return timed(func, stage_repeat, 1, progress=progress, label=f"{size} {label}")

    with translation.override("fr"):
        stages = {
            "links query, fetchall (plain cursor)": stage("sql", fetch_rows),
            "_linked_facts (the links query, as facts)": stage(
                "facts", lambda: checklist._linked_facts(adoption)),
            "evaluate (all queries + readiness rules)": stage(
                "evaluate", lambda: checklist.evaluate(adoption)),
            "build (evaluate + roll-ups + gates + dict)": stage(
                "build", lambda: checklist.build(adoption)),
            "JSON rendering of the build (DRF JSONRenderer)": stage("render", render),
        }
    body = json.loads(target_body)
    statuses = body["counts"]
    members = ""
    if MEMBERS_CODE in setup.adoptions:
        with translation.override("en"):
            cedre = checklist.build(setup.adoptions[MEMBERS_CODE])
        members = ", ".join(f"{item['ref_id']} {item['members']['label']}"
                            for item in cedre["items"] if item["members"])
    return SizeResult(members=members,
        size=size, links=tally_links, adoption_links=adoption_links, service=service, api=api,
        stages=stages, response_bytes=len(target_body),
        evidence_shown=sum(len(item["evidence"]) for item in body["items"]),
        evidence_total=sum(item["evidence_count"] for item in body["items"]),
        statuses=statuses,
    )


def note_backend_pid() -> None:
    """The PostgreSQL backend of this process works for it: not counted as other load."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        OtherLoad.backend_pid = cursor.fetchone()[0]


def checklist_calls(setups: dict) -> dict:
    """{size: {"service": call, "api": call}}: the ISO 9001 checklist of each structure."""
    from django.test import Client
    from django.utils import translation

    from checklists.models import Adoption
    from checklists.services import checklist

    calls: dict = {}
    for size, setup in setups.items():
        client = Client(HTTP_HOST="localhost")
        client.force_login(setup.user)
        calls[size] = {}
        for code, prefix in ((TARGET_CODE, ""), (MEMBERS_CODE, "members ")):
            if code not in setup.adoptions:
                continue
            adoption = Adoption.objects.select_related("organization", "referential").get(
                pk=setup.adoptions[code].pk)
            url = f"/api/v1/adoptions/{adoption.pk}/checklist/"

            def call_service(adoption=adoption):
                with translation.override("fr"):
                    checklist.build(adoption)

            def call_api(client=client, url=url):
                response = client.get(url, HTTP_ACCEPT="application/json")
                if response.status_code != 200:
                    raise SystemExit(f"GET {url}: HTTP {response.status_code}")

            calls[size][f"{prefix}service"] = call_service
            calls[size][f"{prefix}api"] = call_api
    return calls


def measure_alternating(setups: dict, args) -> dict:
    """The target figures: the ISO 9001 checklist (and the CEDRE one, with its members) of
    every structure (one per vault size, in
    the same database), service then API, the structures taking turns run after run, so that
    a change of machine speed during the block weighs on every size alike. Returns
    {size: {"service": Timing, "api": Timing}}."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    calls = checklist_calls(setups)
    note_backend_pid()
    timings = {size: {kind: Timing() for kind in kinds} for size, kinds in calls.items()}
    for size, kinds in calls.items():
        for kind, call in kinds.items():
            for _ in range(args.warmup):
                call()
            with CaptureQueriesContext(connection) as queries:
                call()
            timings[size][kind].queries = len(queries)
    wait_for_quiet(QUIET["threshold"], QUIET["timeout"])
    load = OtherLoad().start()
    for _ in tqdm(range(args.repeat), desc="alternating", unit="round", leave=False,
                  disable=True if args.no_progress else None, file=sys.stderr):
        for size, kinds in calls.items():
            for kind, call in kinds.items():
                start, start_cpu = time.perf_counter(), time.process_time()
                call()
                timings[size][kind].samples.append(time.perf_counter() - start)
                timings[size][kind].cpu.append(time.process_time() - start_cpu)
    other_load = load.stop()
    for kinds in timings.values():
        for timing in kinds.values():
            timing.other_load = other_load
    return timings


def links_sql(adoption) -> str:
    """The SQL of the links query of checklists.services.checklist._linked_facts, as
    the service runs it (captured, with its parameters inlined), to time and EXPLAIN it alone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from checklists.services import checklist

    with CaptureQueriesContext(connection) as queries:
        checklist._linked_facts(adoption)
    candidates = [q["sql"] for q in queries.captured_queries
                  if "checklists_evidencelink" in q["sql"]]
    if not candidates:
        raise SystemExit("cannot find the links query of _linked_facts")
    sql = max(candidates, key=len)
    # A server-side cursor (QuerySet.iterator() on PostgreSQL) is logged as its DECLARE.
    head, sep, tail = sql.partition(" CURSOR WITH HOLD FOR ")
    if not sep:
        head, sep, tail = sql.partition(" CURSOR WITHOUT HOLD FOR ")
    return tail if sep and head.lstrip().upper().startswith("DECLARE") else sql


def profile(setup: Setup, args) -> None:
    """cProfile of the service and of the API on the target adoption, at the current size."""
    from django.db import connection
    from django.test import Client
    from django.utils import translation

    from checklists.models import Adoption
    from checklists.services import checklist

    adoption = Adoption.objects.select_related("organization", "referential").get(
        pk=setup.adoptions[TARGET_CODE].pk)
    client = Client(HTTP_HOST="localhost")
    client.force_login(setup.user)
    url = f"/api/v1/adoptions/{adoption.pk}/checklist/"
    runs = 10
    for label, func in (
        ("service checklist.build", lambda: checklist.build(adoption)),
        ("API GET checklist", lambda: client.get(url, HTTP_ACCEPT="application/json")),
    ):
        func()
        profiler = cProfile.Profile()
        with translation.override("fr"):
            profiler.enable()
            for _ in range(runs):
                func()
            profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(35)
        print(f"\n== cProfile, {label}, {runs} runs (times are totals over the runs; "
              "cProfile inflates Python function-call overhead)")
        print(out.getvalue())

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + links_sql(adoption))
        plan = "\n".join(row[0] for row in cursor.fetchall())
    print("== EXPLAIN (ANALYZE, BUFFERS) of the links query\n" + plan)


def connect_cost(repeat: int = 20) -> Timing:
    """Seconds to open a new database connection (paid per request when CONN_MAX_AGE=0; the
    test client keeps the connection open, so the API figures do not include it)."""
    from django.db import connection

    timing = Timing()
    for _ in range(repeat):
        connection.close()
        start = time.perf_counter()
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        timing.samples.append(time.perf_counter() - start)
    return timing


# ------------------------------------------------------------------------------------ report


def report(args, setup: Setup, results: list[SizeResult], alternating: dict,
           connect: Timing) -> bool:
    import django
    import psycopg
    import rest_framework
    from django.db import connection

    machine = machine_info()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    small, large = results[0], results[-1]
    lines = [
        "",
        "== audit-prep checklist benchmark",
        f"date    : {timezone.localdate().isoformat()}",
        f"machine : {machine['nproc']} CPU, {machine['cpu']}, {machine['memory']} RAM, "
        f"kernel {machine['kernel']}",
        f"software: {machine['python']}, Django {django.get_version()}, DRF "
        f"{rest_framework.VERSION}, psycopg {psycopg.__version__}, PostgreSQL {server_version} "
        f"(127.0.0.1, same machine), DEBUG=true",
        f"runs    : {args.warmup} warm-up + {args.repeat} timed (target adoption), "
        f"{max(5, args.repeat // 3)} for the other adoptions and the stages",
        "other load: CPUs kept busy by other processes (not this one, not its PostgreSQL "
        "backend) during the timed runs; above about 0.3 the figures are inflated",
        "",
        "referentials (imported with import_library(load_library(path)), adopted):",
    ]
    total_nodes = total_assessable = 0
    for name, code, nodes, assessable, seconds in setup.library_rows:
        total_nodes += nodes
        total_assessable += assessable
        lines.append(f"  {name:32} {code:26} {nodes:4} requirements ({assessable:3} "
                     f"assessable), import {ms(seconds):.0f} ms")
    lines.append(f"  total: {total_nodes} requirements, {total_assessable} assessable; the "
                 f"links are drawn over these {total_assessable}")
    lines.append("")
    header = ("| evidence items | links (all / ISO 9001) | measure | queries | median | p90 | "
              "min | CPU of this process (median) | other load |")
    lines += ["target adoption (ISO 9001), the structures taking turns run after run "
              "(these figures are the targets'):", header,
              "|---|---|---|---|---|---|---|---|---|"]
    for result in results:
        for kind, t in (("(a) service build()", alternating[result.size]["service"]),
                        ("(b) API GET, JSON", alternating[result.size]["api"])):
            lines.append(
                f"| {result.size:,} | {result.links:,} / {result.adoption_links[TARGET_CODE]:,} "
                f"| {kind} | {t.queries} | {ms(t.median):.1f} ms | {ms(t.p90):.1f} ms | "
                f"{ms(t.low):.1f} ms | {ms(t.cpu_median):.1f} ms | {t.other_load:.2f} CPU |")
    lines.append("")
    lines.append("each adoption in its own block, one structure after the other (medians, "
                 "service / API):")
    for result in results:
        parts = [f"{code} ({result.adoption_links[code]:,} links): "
                 f"{ms(result.service[code].median):.1f} / {ms(result.api[code].median):.1f} ms"
                 for code in result.service]
        lines.append(f"  {result.size:>6,} items: " + "; ".join(parts))
    lines.append("")
    lines.append("where the time goes, ISO 9001 adoption (medians):")
    for result in results:
        lines.append(f"  {result.size:,} items ({result.adoption_links[TARGET_CODE]:,} links "
                     f"of the ISO 9001 referential; response {result.response_bytes / 1024:.0f}"
                     f" KiB, {result.evidence_shown} evidence entries shown of "
                     f"{result.evidence_total}; counts {result.statuses}):")
        for name, t in result.stages.items():
            lines.append(f"    {name:50} {ms(t.median):7.1f} ms")
        api = result.api[TARGET_CODE].median
        build = result.stages["build (evaluate + roll-ups + gates + dict)"].median
        lines.append(f"    {'API total minus build (auth, DRF, JSON, middleware)':50} "
                     f"{ms(api - build):7.1f} ms")
    lines.append(f"  new database connection (per request when CONN_MAX_AGE=0, not in the API "
                 f"figures): median {ms(connect.median):.1f} ms")

    lines += _members_lines(results, alternating)
    rows, ok = _target_rows(small, large, alternating)
    width = max(len(r[0]) for r in rows)
    lines += ["", f"| {'target'.ljust(width)} | value | target | result |", "|---|---|---|---|"]
    for name, value, target, passed in rows:
        lines.append(f"| {name.ljust(width)} | {value} | {target} | "
                     f"{'PASS' if passed else 'FAIL'} |")
    lines.append("")
    if args.small:
        lines.append("small mode: no target checked")
    else:
        lines.append(f"overall (read on the API): {'PASS' if ok else 'FAIL'}")
    print("\n".join(lines))
    return ok


def _target_rows(small: SizeResult, large: SizeResult, alternating: dict) -> tuple[list, bool]:
    """(name, value, target, passed) of each target, and whether the API ones all pass."""
    ok = True
    rows = []
    kinds = [("(a) service", "service"), ("(b) API (target read here)", "api")]
    if "members api" in alternating[large.size]:
        kinds += [("(c) CEDRE with members, service", "members service"),
                  ("(d) CEDRE with members, API (target read here)", "members api")]
    for kind, attr in kinds:
        s = alternating[small.size][attr]
        g = alternating[large.size][attr]
        same = g.queries == s.queries
        rows.append((f"{kind}: queries {small.size:,} vs {large.size:,}",
                     f"{s.queries} vs {g.queries}", "equal", same))
        rows.append((f"{kind}: median at {large.size:,}", f"{ms(g.median):.1f} ms",
                     f"<= {MEDIAN_TARGET_MS:g} ms", ms(g.median) <= MEDIAN_TARGET_MS))
        rows.append((f"{kind}: median ratio {large.size:,}/{small.size:,} (no target)",
                     f"{g.median / s.median:.2f}", "-", True))
        if attr.endswith("api"):
            ok = ok and same and ms(g.median) <= MEDIAN_TARGET_MS
    return rows, ok


def _members_lines(results: list[SizeResult], alternating: dict) -> list[str]:
    """The CEDRE adoption's figures, members counted one by one, taking turns with ISO 9001."""
    if "members api" not in alternating[results[-1].size]:
        return []
    lines = ["", f"CEDRE adoption, per-member requirements over the populations "
             f"({'; '.join(f'{r.size:,} items: {r.members}' for r in results)}), taking turns "
             "with the above:",
             "| evidence items | measure | queries | median | p90 | min | other load |",
             "|---|---|---|---|---|---|---|"]
    for result in results:
        for kind, key in (("(c) service build()", "members service"),
                          ("(d) API GET, JSON", "members api")):
            t = alternating[result.size][key]
            lines.append(f"| {result.size:,} | {kind} | {t.queries} | {ms(t.median):.1f} ms | "
                         f"{ms(t.p90):.1f} ms | {ms(t.low):.1f} ms | {t.other_load:.2f} CPU |")
    return lines


# -------------------------------------------------------------------------------------- main


def parse_args(argv) -> tuple[argparse.Namespace, list[int], list[Path]]:
    """The options, the vault sizes and the library files; exits on a bad option."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true",
                        help="a few seconds, no target checked: vaults of 10 and 100 items, "
                        "3 runs, no waiting for a quiet machine (the test suite runs this)")
    parser.add_argument("--sizes", default="10,10000",
                        help="vault sizes (evidence items), ascending; the targets compare the "
                        "first and the last (10,10000)")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs (30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed warm-up runs (3)")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL,
                        help="PostgreSQL URL used to create and drop the throwaway database "
                        f"({DEFAULT_ADMIN_URL})")
    parser.add_argument("--library", action="append", type=Path,
                        help="library file to import and adopt (repeatable; default: "
                        + ", ".join(DEFAULT_LIBRARIES) + ")")
    parser.add_argument("--own-requirements", type=int, default=DEFAULT_OWN_REQUIREMENTS,
                        help="requirements of the structure's own list, adopted as the third "
                        f"referential ({DEFAULT_OWN_REQUIREMENTS}; 0 = none)")
    parser.add_argument("--members", type=int, default=DEFAULT_MEMBERS,
                        help="members of each of the two populations of every structure "
                        f"({DEFAULT_MEMBERS}; 0 = none)")
    parser.add_argument("--quiet", type=float, default=0.3,
                        help="before each timed block, wait until other processes use fewer "
                        "than this many CPUs; redo a block they disturbed (0.3; 0 = never)")
    parser.add_argument("--quiet-timeout", type=float, default=600,
                        help="longest wait for --quiet, in seconds, per block (600); then "
                        "measure anyway")
    parser.add_argument("--seed", type=int, default=20261126, help="random seed of the vault")
    parser.add_argument("--profile", action="store_true",
                        help="after the largest size: cProfile of the service and of the API, "
                        "and EXPLAIN ANALYZE of the links query")
    parser.add_argument("--keep", action="store_true",
                        help="keep the database and the temporary DATA_DIR")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bars (off anyway when stderr is not a terminal)")
    args = parser.parse_args(argv)
    if args.small:
        args.sizes, args.repeat, args.warmup, args.quiet = "10,100", 3, 1, 0
        args.members = min(args.members, 20)
        args.no_progress = True
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")]
    except ValueError:
        parser.error("--sizes: comma-separated integers")
    if sizes != sorted(sizes) or len(set(sizes)) != len(sizes) or sizes[0] < 1 or len(sizes) < 2:
        parser.error("--sizes: at least two distinct ascending positive sizes")
    if args.repeat < 3 or args.warmup < 0:
        parser.error("--repeat must be at least 3")
    library_files = [p.resolve() for p in args.library] if args.library else [
        LIBRARIES / name for name in DEFAULT_LIBRARIES]
    if not any(load_code(p) == TARGET_CODE for p in library_files):
        parser.error(f"one library must have code {TARGET_CODE!r} (the measured adoption)")

    return args, sizes, library_files


def main(argv=None) -> int:
    args, sizes, library_files = parse_args(argv)
    QUIET.update(threshold=args.quiet, timeout=args.quiet_timeout)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup below
    name = f"audit_prep_bench_{secrets.token_hex(4)}"
    database_url = with_database(args.admin_url, name)
    data_dir = Path(tempfile.mkdtemp(prefix="audit-prep-bench-"))
    (data_dir / "static").mkdir()
    create_database(args.admin_url, name)
    log(f"database {redact(database_url)}, DATA_DIR {data_dir}")
    ok = False
    try:
        # 30+ requests a second from one user would hit the default 1200/minute throttle
        # during --profile; the throttle still runs (same cost), it just never answers 429.
        configure_django(database_url, data_dir, scrub=("API_THROTTLE_ANON",),
                         API_THROTTLE_USER="1000000/minute")
        referentials, library_rows = import_libraries(library_files)
        rng = random.Random(args.seed)
        on = timezone.localdate()
        # One structure per size, side by side in the database, as tenants are in production.
        setups, tallies = {}, {}
        for size in sizes:
            started = time.perf_counter()
            setups[size] = make_structure(referentials, library_rows, args.own_requirements)
            tallies[size] = grow_vault(setups[size], 0, size, rng, on,
                                       progress=not args.no_progress)
            tallies[size].update(add_populations(setups[size], args.members, rng, on))
            log(f"structure with {size} items in {time.perf_counter() - started:.1f} s: "
                + ", ".join(f"{k} {v}" for k, v in sorted(tallies[size].items())))
        gc.collect()
        alternating = measure_alternating(setups, args)
        for size in sizes:
            t = alternating[size]
            log(f"{size} items: service {ms(t['service'].median):.1f} ms, API "
                f"{ms(t['api'].median):.1f} ms (medians, alternating)")
        results = []
        for size in sizes:
            gc.collect()
            results.append(measure(setups[size], size, args, size * LINKS_PER_ITEM))
        connect = connect_cost()
        setup = setups[sizes[-1]]
        ok = report(args, setup, results, alternating, connect) or args.small
        print(f"vault of the {sizes[-1]:,}-item structure: "
              + ", ".join(f"{k} {v}" for k, v in sorted(tallies[sizes[-1]].items())))
        if args.profile:
            profile(setup, args)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            log(f"kept database {name} and {data_dir}")
        else:
            drop_database(args.admin_url, name)
            shutil.rmtree(data_dir, ignore_errors=True)
            log(f"dropped database {name}")
    return 0 if ok else 1


def load_code(path: Path) -> str | None:
    """The `code` of a library file, without Django."""
    repo_on_path()
    from checklists.library import load_library

    return load_library(path).code


if __name__ == "__main__":
    sys.exit(main())
