"""Import of a referential library (checklists.library.Library) into the database.

The import is an upsert keyed by URN, in one transaction, that writes only what changed: a
re-import of an unchanged file runs SELECTs only. Nodes that disappeared from the file are
retired (``retired_at``), never deleted, so evidence links made against them stay intact; a
node that comes back is brought back. Evidence links are never read or written here, nor the
requirements structures added under a template's nodes (rows with an organization).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from ..library import Library, LibraryError, Node, Problem
from ..models import Referential, Requirement

# Requirement columns taken from the file, in the order they are compared.
NODE_FIELDS = (
    "ref_id", "order", "depth", "name_fr", "name_en", "name_is_descriptive", "description_fr",
    "description_en", "typical_evidence", "documented_information", "conditional",
    "renewal_months", "renewal_basis", "assessable", "excludable", "per_member", "keywords",
)
POSITION_FIELDS = ("order", "depth")  # follow from the file layout; see ImportReport.reordered
REFERENTIAL_FIELDS = (
    "code", "version", "revision", "ref_id", "name_fr", "name_en", "description_fr",
    "description_en", "kind", "is_template", "publisher", "sources", "notes",
)


@dataclass
class ImportReport:
    """What an import did, by node URN.

    ``added``: nodes new to the database, and retired nodes the file brings back.
    ``changed``: nodes whose content or parent differed from the file (and was updated).
    ``removed``: nodes no longer in the file, now retired (never deleted).
    ``unchanged``: the file's other nodes; among them ``reordered`` lists those whose only
    difference was their position (order, depth), shifted by nodes added or moved around them.
    """

    referential: Referential
    created: bool
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    reordered: list[str] = field(default_factory=list)
    referential_changed: list[str] = field(default_factory=list)  # library fields updated

    @property
    def has_changes(self) -> bool:
        return bool(
            self.created or self.added or self.changed or self.removed or self.reordered
            or self.referential_changed
        )

    def summary(self) -> str:
        """One line: ``<urn>: N added, N changed, N removed, N unchanged`` or ``no change``."""
        urn = self.referential.urn
        if not self.has_changes:
            return f"{urn}: no change"
        line = (f"{urn}: {len(self.added)} added, {len(self.changed)} changed, "
                f"{len(self.removed)} removed, {self.unchanged} unchanged")
        notes = []
        if self.created:
            notes.append("new referential")
        elif self.referential_changed:
            notes.append(f"library fields updated: {', '.join(self.referential_changed)}")
        if self.reordered:
            notes.append(f"{len(self.reordered)} moved in the order")
        return f"{line} ({'; '.join(notes)})" if notes else line


def referential_values(library: Library) -> dict:
    return {
        "code": library.code,
        "version": library.version,
        "revision": library.revision,
        "ref_id": library.ref_id,
        "name_fr": library.name["fr"],
        "name_en": library.name["en"],
        "description_fr": library.description["fr"],
        "description_en": library.description["en"],
        "kind": library.kind,
        "is_template": library.is_template,
        "publisher": library.publisher,
        "sources": library.sources,
        "notes": library.notes,
    }


def node_values(node: Node) -> dict:
    return {
        "ref_id": node.ref_id,
        "order": node.order,
        "depth": node.depth,
        "name_fr": node.name["fr"],
        "name_en": node.name["en"],
        "name_is_descriptive": node.name_is_descriptive,
        "description_fr": node.description["fr"],
        "description_en": node.description["en"],
        "typical_evidence": {"fr": list(node.typical_evidence["fr"]),
                             "en": list(node.typical_evidence["en"])},
        "documented_information": list(node.documented_information),
        "conditional": node.conditional,
        "renewal_months": node.renewal_months,
        "renewal_basis": node.renewal_basis or "",
        "assessable": node.assessable,
        "excludable": node.excludable,
        "per_member": node.per_member,
        "keywords": {"fr": list(node.keywords["fr"]), "en": list(node.keywords["en"])},
    }


def _changed_fields(obj, values: dict) -> list[str]:
    changed = []
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def import_library(library: Library) -> ImportReport:
    """Create or update the referential and its requirements from ``library``.

    All or nothing (one transaction). Raises :class:`LibraryError` before any write when the
    library cannot be stored (URN taken by a structure's own list or by another referential's
    requirement, ref_id still held by a retired node).
    """
    with transaction.atomic():
        return _import(library)


def _import(library: Library) -> ImportReport:
    now = timezone.now()
    referential = (
        Referential.objects.select_for_update().filter(urn=library.urn).first()
    )
    existing: dict[str, Requirement] = {}
    if referential is not None:
        # the library's own rows: those a structure added under them are never touched
        existing = {r.urn: r for r in Requirement.objects.filter(
            referential=referential, organization__isnull=True)}
    _check_storable(library, referential, existing)
    report = _upsert_referential(library, referential, now)
    to_update, to_create = _compare_nodes(library, report, existing, now)
    _free_ref_ids(to_update)
    _create(to_create)
    _link_parents(library, report, existing, {row.urn: row for row in to_create}, to_update)
    _bulk_update(to_update.values())
    report.unchanged = len(library.nodes) - len(report.added) - len(report.changed)
    if report.changed or report.reordered:
        _follow_moved_parents(report.referential)
    return report


def _follow_moved_parents(referential: Referential) -> None:
    """The depth of the requirements structures added under the library's nodes follows their
    parent when a new revision of the file moves it."""
    rows = {pk: [parent_id, depth, owner] for pk, parent_id, depth, owner in
            Requirement.objects.filter(referential=referential)
            .values_list("pk", "parent_id", "depth", "organization_id")}

    def depth_of(pk: int) -> int:
        parent_id, depth, owner = rows[pk]
        if owner is None or parent_id is None:
            return depth
        return depth_of(parent_id) + 1

    stale = [Requirement(pk=pk, depth=depth_of(pk)) for pk, (_parent, depth, owner)
             in rows.items() if owner is not None and depth_of(pk) != depth]
    Requirement.objects.bulk_update(stale, ["depth"], batch_size=500)


def _upsert_referential(library: Library, referential: Referential | None,
                        now) -> ImportReport:
    """Create the referential or update its changed fields; the report starts here."""
    created = referential is None
    referential_changed: list[str] = []
    values = referential_values(library)
    if referential is None:
        referential = Referential.objects.create(urn=library.urn, **values)
    else:
        referential_changed = _changed_fields(referential, values)
        if referential_changed:
            referential.updated_at = now
            referential.save(update_fields=[*referential_changed, "updated_at"])
    return ImportReport(referential=referential, created=created,
                        referential_changed=referential_changed)


def _compare_nodes(library: Library, report: ImportReport, existing: dict[str, Requirement],
                   now) -> tuple[dict[str, tuple[Requirement, list[str]]], list[Requirement]]:
    """The rows to update (with their changed fields) and the rows to create; nodes missing
    from the file are retired. Counts each node in the report."""
    in_file = {node.urn for node in library.nodes}
    to_update: dict[str, tuple[Requirement, list[str]]] = {}
    to_create: list[Requirement] = []
    for node in library.nodes:
        row = existing.get(node.urn)
        if row is None:
            to_create.append(Requirement(referential=report.referential, urn=node.urn,
                                         **node_values(node)))
            report.added.append(node.urn)
            continue
        fields = _changed_fields(row, node_values(node))
        if row.retired_at is not None:
            row.retired_at = None
            fields.append("retired_at")
            report.added.append(node.urn)
        elif any(name not in POSITION_FIELDS for name in fields):
            report.changed.append(node.urn)
        elif fields:
            report.reordered.append(node.urn)
        if fields:
            to_update[node.urn] = (row, fields)
    for row in existing.values():
        if row.urn not in in_file and row.retired_at is None:
            row.retired_at = now
            to_update[row.urn] = (row, ["retired_at"])
            report.removed.append(row.urn)
    return to_update, to_create


def _create(to_create: list[Requirement]) -> None:
    """Insert the new rows, each getting its id."""
    if not to_create:
        return
    Requirement.objects.bulk_create(to_create)
    if any(row.pk is None for row in to_create):  # backends that return no ids
        ids = dict(Requirement.objects.filter(
            urn__in=[row.urn for row in to_create]).values_list("urn", "pk"))
        for row in to_create:
            row.pk = ids[row.urn]


def _link_parents(library: Library, report: ImportReport, existing: dict[str, Requirement],
                  created: dict[str, Requirement],
                  to_update: dict[str, tuple[Requirement, list[str]]]) -> None:
    """Set each row's parent now that every node has an id; a moved node counts as changed."""
    rows = {**existing, **created}
    for node in library.nodes:
        row = rows[node.urn]
        parent_id = rows[node.parent_urn].pk if node.parent_urn else None
        if row.parent_id != parent_id:
            row.parent_id = parent_id
            row_fields = to_update.setdefault(node.urn, (row, []))[1]
            row_fields.append("parent")
            if node.urn in existing and node.urn not in report.added:
                if node.urn in report.reordered:
                    report.reordered.remove(node.urn)
                if node.urn not in report.changed:
                    report.changed.append(node.urn)


def _bulk_update(updates) -> None:
    """One bulk UPDATE per set of changed columns (a change of title writes titles only)."""
    groups: dict[tuple[str, ...], list[Requirement]] = {}
    for row, fields in updates:
        if fields:
            groups.setdefault(tuple(sorted(set(fields))), []).append(row)
    for fields, rows in groups.items():
        Requirement.objects.bulk_update(rows, list(fields), batch_size=500)


def _free_ref_ids(to_update: dict) -> None:
    """Nodes whose ref_id changes (rare: a corrected ref_id, URN kept) first get a temporary
    ref_id, so that the unique (referential, ref_id) constraint holds at every step even when
    ref_ids are swapped or a new node takes a ref_id another one leaves."""
    for row, fields in to_update.values():
        if "ref_id" in fields:
            Requirement.objects.filter(pk=row.pk).update(ref_id=f"~{row.pk}")


def _check_storable(library: Library, referential: Referential | None,
                    existing: dict[str, Requirement]) -> None:
    """Problems only the database can reveal, found before any write."""
    problems: list[Problem] = []
    if referential is not None and referential.organization_id is not None:
        problems.append(Problem("this URN belongs to a structure's own requirement list",
                                library.urn))
    urns = [node.urn for node in library.nodes]
    taken = Requirement.objects.filter(urn__in=urns)
    if referential is not None:  # the file's own rows are not taken; a structure's are
        taken = taken.exclude(referential=referential, organization__isnull=True)
    lines = {node.urn: node.line for node in library.nodes}
    for urn, other in taken.values_list("urn", "referential__urn"):
        problems.append(Problem(f"URN already used by a requirement of {other}", urn,
                                lines[urn]))
    # A ref_id stays held by a node retired now or earlier (it keeps its ref_id).
    in_file = set(urns)
    kept = {urn: row.ref_id for urn, row in existing.items() if urn not in in_file}
    by_ref_id = {ref_id: urn for urn, ref_id in kept.items()}
    for node in library.nodes:
        if node.ref_id in by_ref_id:
            problems.append(Problem(
                f"ref_id {node.ref_id!r} is held by the retired node {by_ref_id[node.ref_id]} "
                "(a node's URN must not change)", node.urn, node.line))
    if problems:
        raise LibraryError(problems, library.path)
