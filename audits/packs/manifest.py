"""What a sealed pack freezes, as plain data, and its canonical form.

The requirements and their statuses come from the checklist service at the audit date
(`checklists.services.checklist.build`, the one readiness rule); the evidence revisions from
`audits.in_force`; the requests and findings from the providers their modules register
(`register_section`), so that each part of an engagement adds its own data to the manifest
without this module knowing it. A section nobody registered is an empty list."""

import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import get_language

from checklists.models import Adoption
from checklists.services import checklist
from checklists.services.checklist import documented_information_code
from evidence.models import StoredFile
from evidence.references import reference

from .. import in_force
from ..models import Engagement
from .paths import UniquePaths, file_name, part

FORMAT = "audit-prep/audit-pack/1"
SECTIONS = ("requests", "findings")
INDEX_FILES = ("index.xlsx", "index.pdf", "manifest.json", "SHA256SUMS")
SectionProvider = Callable[[Engagement], list[dict]]
_providers: dict[str, SectionProvider] = {}
# Linked evidence whose files a pack holds: every state but archived (the checklist lists
# archived items, which no longer answer anything).
_LEFT_OUT = {"archived"}


def register_section(name: str) -> Callable[[SectionProvider], SectionProvider]:
    """Register the function giving an engagement's `name` section (requests, findings)."""
    if name not in SECTIONS:
        raise ValueError(f"unknown section {name!r}")

    def register(provider: SectionProvider) -> SectionProvider:
        _providers[name] = provider
        return provider
    return register


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} in a manifest")


def canonical(data: dict) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8: the same data, the same bytes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False, default=_plain).encode("utf-8")


def seal_of(manifest_bytes: bytes) -> str:
    return hashlib.sha256(manifest_bytes).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One file of the pack: where it goes in the ZIP and the stored file it comes from."""

    path: str
    stored: StoredFile


@dataclass
class _Collector:
    revisions: dict
    files: dict
    paths: UniquePaths
    entries: list[Entry]


def _file_json(stored: StoredFile, path: str) -> dict:
    return {"id": stored.pk, "name": stored.name, "mime_type": stored.mime_type,
            "size": stored.size, "sha256": stored.sha256, "path": path}


def _evidence_json(evidence: dict, folder: str, ref_id: str, found: _Collector) -> dict:
    revision = found.revisions.get(evidence["id"]) if evidence["state"] not in _LEFT_OUT \
        else None
    files = found.files.get(revision.pk, []) if revision is not None else []
    out = []
    for stored in files:
        name = file_name(ref_id, evidence["title"], stored.name, several=len(files) > 1)
        path = found.paths.claim(folder, name)
        found.entries.append(Entry(path, stored))
        out.append(_file_json(stored, path))
    return {"id": evidence["id"], "reference": reference(evidence["id"]),
            "title": evidence["title"], "kind": evidence["kind"], "state": evidence["state"],
            "valid_until": evidence["valid_until"],
            "revision": None if revision is None else {
                "id": revision.pk, "number": revision.number,
                "verified_at": revision.verified_at},
            "files": out}


def _requirement_json(item: dict, folder: str, found: _Collector) -> dict:
    return {"id": item["requirement_id"], "urn": item["urn"], "ref_id": item["ref_id"],
            "name": item["name"], "chapter": item["chapter"], "depth": item["depth"],
            "documented_information": documented_information_code(
                item["documented_information"]),
            "status": item["status"], "reason": item["reason"],
            "valid_until": item["valid_until"], "excluded_by": item["excluded_by"],
            "justification": item["justification"], "folder": folder,
            "evidence": [_evidence_json(evidence, folder, item["ref_id"], found)
                         for evidence in item["evidence"]]}


def _folder(referential: dict, chapters: dict, item: dict) -> str:
    top = part(referential["ref_id"])
    chapter = f"{top}/{part(chapters[item['chapter']])}"
    if item["ref_id"] == item["chapter"]:
        return chapter
    return f"{chapter}/{part(item['ref_id'] + ' ' + item['name'])}"


def _exclusions(items: list[dict], warnings: list[dict]) -> list[dict]:
    applied = [{"ref_id": item["ref_id"], "name": item["name"],
                "justification": item["justification"], "applied": True}
               for item in items if item["excluded_by"] == item["ref_id"]]
    refused = [{"ref_id": warning["ref_id"], "name": "", "justification":
                warning["justification"], "applied": False} for warning in warnings]
    return applied + refused


def _referential_json(built: dict, found: _Collector) -> dict:
    referential = built["referential"]
    chapters = {chapter["ref_id"]: f"{chapter['ref_id']} {chapter['name']}"
                for chapter in built["chapters"]}
    requirements = [_requirement_json(item, _folder(referential, chapters, item), found)
                    for item in built["items"]]
    return {"id": referential["id"], "urn": referential["urn"], "ref_id": referential["ref_id"],
            "name": referential["name"], "version": referential["version"],
            "score": built["score"], "counts": built["counts"],
            "chapters": [{key: chapter[key] for key in ("ref_id", "name", "score", "counts")}
                         for chapter in built["chapters"]],
            "gates": [{key: gate[key] for key in ("code", "clause", "label", "passed", "message")}
                      for gate in built["gates"]],
            "exclusions": _exclusions(built["items"], built["warnings"]),
            "requirements": requirements}


def _checklists(engagement: Engagement, on: datetime.date) -> list[dict]:
    adoptions = (Adoption.objects.filter(organization_id=engagement.organization_id,
                                         referential__in=engagement.referentials.all())
                 .select_related("referential", "organization").order_by("referential__ref_id"))
    return [checklist.build(adoption, on=on, evidence_limit=None) for adoption in adoptions]


def _engagement_json(engagement: Engagement) -> dict:
    return {"id": engagement.pk, "kind": engagement.kind,
            "kind_label": str(engagement.get_kind_display()),
            "start_date": engagement.start_date, "end_date": engagement.end_date,
            "certification_body": engagement.certification_body,
            "lead_auditor": engagement.lead_auditor, "scope": engagement.scope}


def build(engagement: Engagement, number: int, sealed_by, sealed_at: datetime.datetime,
          on: datetime.date) -> tuple[dict, list[Entry]]:
    """The manifest of `engagement` as it stands, its checklists at the audit date `on`, and
    the files it names, in the order of the manifest."""
    built = _checklists(engagement, on)
    evidence_ids = {evidence["id"] for one in built for item in one["items"]
                    for evidence in item["evidence"]}
    revisions = in_force.revisions_in_force(evidence_ids, on)
    found = _Collector(revisions, in_force.files_of(revisions.values()),
                       UniquePaths(INDEX_FILES), [])
    organization = engagement.organization
    manifest = {
        "format": FORMAT, "number": number, "audit_date": on, "language": get_language(),
        "sealed_at": sealed_at, "sealed_by": sealed_by.get_username(),
        "structure": {"id": organization.pk, "name": organization.name},
        "engagement": _engagement_json(engagement),
        "referentials": [_referential_json(one, found) for one in built],
        **{name: _providers[name](engagement) if name in _providers else []
           for name in SECTIONS},
    }
    return manifest, found.entries
