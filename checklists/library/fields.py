"""Checks of the library metadata and of each node's fields."""

from __future__ import annotations

from typing import Any

from .checker import Checker, type_name
from .results import Node
from .schema import (
    CODE_RE,
    DOCUMENTED_INFORMATION_KINDS,
    LANGUAGES,
    LIBRARY_KINDS,
    LIBRARY_OPTIONAL,
    LIBRARY_REQUIRED,
    MAX_CODE,
    MAX_LIBRARY_REF_ID,
    MAX_LIBRARY_URN,
    MAX_NAME,
    MAX_NODE_REF_ID,
    MAX_NODE_URN,
    MAX_PUBLISHER,
    MAX_RENEWAL_MONTHS,
    MAX_VERSION,
    NO_SPACE_RE,
    NODE_OPTIONAL,
    NODE_REQUIRED,
    POPULATION_KINDS,
    RENEWAL_BASES,
    RENEWAL_KEYS,
    SOURCE_KEYS,
    URN_PREFIX,
)
from .yaml_reader import LineMapping, plain


def check_library(check: Checker, meta: LineMapping) -> dict[str, Any] | None:
    check.keys(meta, LIBRARY_REQUIRED, LIBRARY_OPTIONAL, "library", None)
    urn = check.string(meta, "urn", "library.urn", None, max_length=MAX_LIBRARY_URN,
                       pattern=NO_SPACE_RE)
    code = check.string(meta, "code", "library.code", urn, max_length=MAX_CODE, pattern=CODE_RE)
    version = check.string(meta, "version", "library.version", urn, max_length=MAX_VERSION,
                           pattern=NO_SPACE_RE, quoted_hint=True)
    if urn and code and version and urn != f"{URN_PREFIX}{code}:{version}":
        check.add(f"library.urn must be {URN_PREFIX}<code>:<version>, i.e. "
                  f"{URN_PREFIX}{code}:{version}", urn, meta.line_of("urn"))
    revision = None
    if "revision" in meta:
        revision = meta["revision"]
        if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
            check.add(f"library.revision must be a positive integer, not {revision!r}", urn,
                      meta.line_of("revision"))
            revision = None
    ref_id = check.string(meta, "ref_id", "library.ref_id", urn, max_length=MAX_LIBRARY_REF_ID,
                          quoted_hint=True)
    name = check.bilingual(meta, "name", "name", urn, nonempty=True, max_length=MAX_NAME)
    description = check.bilingual(meta, "description", "description", urn, nonempty=False)
    kind = check.enum(meta, "kind", "library.kind", urn, LIBRARY_KINDS)
    is_template = check.boolean(meta, "is_template", "library.is_template", urn)
    publisher = check.string(meta, "publisher", "library.publisher", urn, nonempty=False,
                             max_length=MAX_PUBLISHER)
    sources = _check_sources(check, meta, urn)
    notes: dict[str, str] | None = {}
    if meta.get("notes") is not None:
        notes = check.bilingual(meta, "notes", "notes", urn, nonempty=False)
    values = {
        "urn": urn, "code": code, "version": version, "revision": revision, "ref_id": ref_id,
        "name": name, "description": description, "kind": kind, "is_template": is_template,
        "publisher": publisher, "sources": sources, "notes": notes,
    }
    return None if any(value is None for value in values.values()) else values


def _check_sources(check: Checker, meta: LineMapping, urn: str | None) -> list | None:
    if "sources" not in meta:
        return None
    sources = meta["sources"]
    if not isinstance(sources, list):
        check.add(f"library.sources must be a list, not {type_name(sources)}", urn,
                  meta.line_of("sources"))
        return None
    ok = True
    for index, source in enumerate(sources):
        what = f"library.sources[{index}]"
        source = check.mapping(source, what, urn, meta.line_of("sources"))
        if source is None:
            ok = False
            continue
        before = len(check.problems)
        check.keys(source, SOURCE_KEYS, (), what, urn)
        check.string(source, "title", f"{what}.title", urn)
        if source.get("url") is not None:
            check.string(source, "url", f"{what}.url", urn)
        ok = ok and len(check.problems) == before
    return plain(sources) if ok else None


def check_node(check: Checker, raw: Any, index: int, library_urn: str | None,
                nodes_line: int | None) -> Node | None:
    line = getattr(raw, "line", None) or nodes_line
    item = check.mapping(raw, f"nodes[{index}]", None, line)
    if item is None:
        return None
    before = len(check.problems)
    urn = item.get("urn") if isinstance(item.get("urn"), str) else None
    where = f"nodes[{index}]"
    check.keys(item, NODE_REQUIRED, NODE_OPTIONAL, where, urn)
    urn = check.string(item, "urn", "urn", urn, max_length=MAX_NODE_URN, pattern=NO_SPACE_RE)
    if urn and library_urn and (
        not urn.startswith(library_urn + ":") or len(urn) == len(library_urn) + 1
    ):
        check.add(f"URN must start with the library URN followed by ':' ({library_urn}:...)",
                  urn, item.line_of("urn"))
    parent_urn = None
    if item.get("parent_urn") is not None:
        parent_urn = check.string(item, "parent_urn", "parent_urn", urn)
    ref_id = check.string(item, "ref_id", "ref_id", urn, max_length=MAX_NODE_REF_ID,
                          quoted_hint=True)
    name = check.bilingual(item, "name", "name", urn, nonempty=True, max_length=MAX_NAME)
    name_is_descriptive = check.boolean(item, "name_is_descriptive", "name_is_descriptive", urn)
    description = check.bilingual(item, "description", "description", urn, nonempty=False)
    typical_evidence = _check_evidence(check, item, urn)
    documented_information = _check_documented_information(check, item, urn)
    conditional = check.boolean(item, "conditional", "conditional", urn)
    renewal_months, renewal_basis = _check_renewal(check, item, urn)
    assessable = check.boolean(item, "assessable", "assessable", urn)
    excludable = (check.boolean(item, "excludable", "excludable", urn) if "excludable" in item
                  else False)
    per_member = _check_per_member(check, item, urn, assessable)
    keywords = _check_keywords(check, item, urn)
    if (len(check.problems) != before or urn is None or ref_id is None or name is None
            or description is None or name_is_descriptive is None or conditional is None
            or assessable is None or excludable is None):
        return None  # a value missing was reported as a problem
    return Node(
        urn=urn, parent_urn=parent_urn, ref_id=ref_id, name=name,
        name_is_descriptive=name_is_descriptive, description=description,
        typical_evidence=typical_evidence, documented_information=documented_information,
        conditional=conditional, renewal_months=renewal_months, renewal_basis=renewal_basis,
        assessable=assessable, excludable=excludable, line=item.line,
        per_member=per_member, keywords=keywords or {"fr": [], "en": []},
    )


def _check_per_member(check: Checker, item: LineMapping, urn: str | None,
                      assessable: bool | None) -> str:
    """The population kind whose every member the requirement applies to ("" for none)."""
    if item.get("per_member") is None:
        return ""
    kind = check.enum(item, "per_member", "per_member", urn, POPULATION_KINDS)
    if kind and assessable is False:
        check.add("per_member needs an assessable node", urn, item.line_of("per_member"))
    return kind or ""


def _check_evidence(check: Checker, item: LineMapping, urn: str | None):
    lists = _check_lists(check, item, urn, "typical_evidence")
    if lists is None:
        return None
    if len(lists["fr"]) != len(lists["en"]):
        check.add(f"typical_evidence: the French and English lists differ in length "
                  f"({len(lists['fr'])} fr, {len(lists['en'])} en)", urn,
                  item.line_of("typical_evidence"))
        return None
    return lists


def _check_keywords(check: Checker, item: LineMapping, urn: str | None):
    """Words people write in such evidence, for suggested tags (optional; the French and
    English lists need not match, each language's words are its own)."""
    if item.get("keywords") is None:
        return {"fr": [], "en": []}
    return _check_lists(check, item, urn, "keywords")


def _check_lists(check: Checker, item: LineMapping, urn: str | None,
                 key: str) -> dict[str, list[str]] | None:
    """A `{fr: [...], en: [...]}` map of non-empty strings, or None (problems reported)."""
    if key not in item:
        return None
    mapping = check.mapping(item[key], key, urn, item.line_of(key))
    if mapping is None:
        return None
    check.keys(mapping, LANGUAGES, (), key, urn)
    lists = {}
    for language in LANGUAGES:
        if language not in mapping:
            continue
        values = mapping[language]
        line = mapping.line_of(language)
        if not isinstance(values, list):
            check.add(f"{key}.{language} must be a list, not {type_name(values)}", urn, line)
            continue
        bad = [v for v in values if not isinstance(v, str) or not v.strip()]
        if bad:
            check.add(f"{key}.{language} items must be non-empty strings (got {bad[0]!r})",
                      urn, line)
            continue
        lists[language] = list(values)
    return lists if len(lists) == len(LANGUAGES) else None


def _check_documented_information(check: Checker, item: LineMapping, urn: str | None):
    if "documented_information" not in item:
        return None
    values = item["documented_information"]
    line = item.line_of("documented_information")
    if not isinstance(values, list):
        check.add(f"documented_information must be a list, not {type_name(values)}", urn, line)
        return None
    ok = True
    for value in values:
        if value not in DOCUMENTED_INFORMATION_KINDS:
            check.add(f"documented_information item {value!r} is not allowed (allowed: "
                      f"{', '.join(DOCUMENTED_INFORMATION_KINDS)})", urn, line)
            ok = False
    if ok and len(set(values)) != len(values):
        check.add("documented_information lists the same kind twice", urn, line)
        ok = False
    return list(values) if ok else None


_MISSING = object()


def _check_renewal(check: Checker, item: LineMapping, urn: str | None):
    """(months, basis); (None, None) for no renewal; (_MISSING, _MISSING) when invalid."""
    if "renewal" not in item:
        return _MISSING, _MISSING
    renewal = item["renewal"]
    if renewal is None:
        return None, None
    renewal = check.mapping(renewal, "renewal", urn, item.line_of("renewal"))
    if renewal is None:
        return _MISSING, _MISSING
    before = len(check.problems)
    check.keys(renewal, RENEWAL_KEYS, (), "renewal", urn)
    basis = check.enum(renewal, "basis", "renewal basis", urn, RENEWAL_BASES)
    months = renewal.get("months")
    if "months" in renewal and months is not None and (
        not isinstance(months, int) or isinstance(months, bool)
        or not 1 <= months <= MAX_RENEWAL_MONTHS
    ):
        check.add(f"renewal months must be a positive integer or null, not {months!r}", urn,
                  renewal.line_of("months"))
    elif basis == "event" and months is not None:
        check.add("renewal months must be null when the basis is 'event'", urn,
                  renewal.line_of("months"))
    if len(check.problems) != before:
        return _MISSING, _MISSING
    return months, basis
