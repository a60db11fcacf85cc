"""Referential library files: parsing and validation, no database.

A library is a versioned YAML file in ``checklists/libraries/`` (format: the README there).
:func:`load_library` reads one file and returns a :class:`Library` whose nodes are ordered
parents first, each with its computed ``depth`` and ``order``; or raises :class:`LibraryError`
listing *every* problem found, each with the node's URN and the line in the file.

The YAML is read with a subclass of ``yaml.CSafeLoader`` (``yaml.SafeLoader`` when PyYAML
lacks libyaml; no arbitrary Python objects either way) that records the line of each mapping
and of each key, and reports duplicate keys (which PyYAML otherwise silently overwrites).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

LIBRARY_KINDS = ("standard", "template", "guide", "regulation")
DOCUMENTED_INFORMATION_KINDS = ("maintain", "retain")
RENEWAL_BASES = ("standard", "practice", "org_defined", "event", "french_law")
LANGUAGES = ("fr", "en")
URN_PREFIX = "urn:audit-prep:"

# Column sizes of checklists.models (kept here so that validation needs no database).
MAX_LIBRARY_URN = 200
MAX_CODE = 60
MAX_VERSION = 40
MAX_LIBRARY_REF_ID = 100
MAX_PUBLISHER = 200
MAX_NODE_URN = 250
MAX_NODE_REF_ID = 60
MAX_NAME = 300
MAX_RENEWAL_MONTHS = 32767  # PositiveSmallIntegerField

TOP_KEYS = ("library", "nodes")
LIBRARY_REQUIRED = (
    "urn", "code", "version", "revision", "ref_id", "name", "description", "kind",
    "is_template", "publisher", "sources",
)
LIBRARY_OPTIONAL = ("notes",)
NODE_REQUIRED = (
    "urn", "parent_urn", "ref_id", "name", "name_is_descriptive", "description",
    "typical_evidence", "documented_information", "conditional", "renewal", "assessable",
)
RENEWAL_KEYS = ("months", "basis")
SOURCE_KEYS = ("title", "url")

CODE_RE = re.compile(r"^[a-z0-9-]+$")
NO_SPACE_RE = re.compile(r"^\S+$")
LANGUAGE_NAMES = {"fr": "French", "en": "English"}


# ------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a library file."""

    message: str
    urn: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = []
        if self.line is not None:
            where = f"line {self.line}"
            if self.column is not None:
                where += f", column {self.column}"
            parts.append(where)
        if self.urn:
            parts.append(self.urn)
        parts.append(self.message)
        return ": ".join(parts)


class LibraryError(Exception):
    """A library file cannot be used; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[Problem], path: str | Path | None = None):
        self.problems = list(problems)
        self.path = str(path) if path is not None else None
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{self.path}: " if self.path else ""
        head += f"{count} problem{'s' if count != 1 else ''}"
        return "\n".join([head, *(f"  {problem}" for problem in self.problems)])


@dataclass
class Node:
    """A requirement node of a library, as read from the file."""

    urn: str
    parent_urn: str | None
    ref_id: str
    name: dict[str, str]
    name_is_descriptive: bool
    description: dict[str, str]
    typical_evidence: dict[str, list[str]]
    documented_information: list[str]
    conditional: bool
    renewal_months: int | None
    renewal_basis: str | None  # None when the node has no renewal
    assessable: bool
    order: int = 0  # position in parent-first (pre-order) traversal, from 1
    depth: int = 0  # 0 for top-level nodes
    line: int | None = None  # line of the node in the file


@dataclass
class Library:
    """A referential library file: its metadata and its nodes (parents first)."""

    urn: str
    code: str
    version: str
    revision: int
    ref_id: str
    name: dict[str, str]
    description: dict[str, str]
    kind: str
    is_template: bool
    publisher: str
    sources: list[dict[str, Any]]
    notes: dict[str, str]
    nodes: list[Node] = field(default_factory=list)
    path: Path | None = None

    def node(self, urn: str) -> Node:
        for node in self.nodes:
            if node.urn == urn:
                return node
        raise KeyError(urn)


# ------------------------------------------------------------------------------ YAML reading


class _Mapping(dict):
    """A YAML mapping that remembers where it is: ``line`` and ``key_lines`` (1-based)."""

    line: int | None = None
    end_line: int | None = None
    key_lines: dict[str, int]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.key_lines = {}

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key, self.line)


# The libyaml-backed SafeLoader when PyYAML has it (about 6 times faster on the ISO 9001 file),
# else the pure-Python one; both use SafeConstructor, which builds only plain YAML types.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):
    """SafeLoader building :class:`_Mapping` objects and reporting duplicate keys."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicate_keys: list[Problem] = []


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode):
    data = _Mapping()
    data.line = node.start_mark.line + 1
    data.end_line = node.end_mark.line + 1
    yield data
    seen: dict[tuple[str, str], int] = {}
    for key_node, _value_node in node.value:  # before merge keys (<<) are flattened
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue
        line = key_node.start_mark.line + 1
        ident = (key_node.tag, key_node.value)
        if ident in seen:
            loader.duplicate_keys.append(
                Problem(f"duplicate key {key_node.value!r} (first at line {seen[ident]})",
                        line=line, column=key_node.start_mark.column + 1)
            )
        else:
            seen[ident] = line
            data.key_lines[key_node.value] = line
    data.update(loader.construct_mapping(node))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _read_yaml(text: str) -> tuple[Any, list[Problem]]:
    loader = _LineLoader(text)
    try:
        return loader.get_single_data(), loader.duplicate_keys
    finally:
        loader.dispose()


def _yaml_problem(exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    parts = [
        getattr(exc, "context", None),
        getattr(exc, "problem", None),
    ]
    message = "; ".join(p for p in parts if p) or str(exc).splitlines()[0]
    if mark is None:
        return Problem(f"YAML syntax error: {message}")
    return Problem(f"YAML syntax error: {message}", line=mark.line + 1, column=mark.column + 1)


def _plain(value: Any) -> Any:
    """Plain dicts and lists (no line bookkeeping) for storage."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


# ------------------------------------------------------------------------------ validation


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean", int: "an integer", float: "a number", str: "a string",
        list: "a list", _Mapping: "a mapping", dict: "a mapping",
    }.get(type(value), type(value).__name__)


class _Checker:
    """Collects problems while reading values out of the parsed YAML."""

    def __init__(self):
        self.problems: list[Problem] = []

    def add(self, message: str, urn: str | None = None, line: int | None = None) -> None:
        self.problems.append(Problem(message, urn=urn, line=line))

    # -- structure

    def keys(self, mapping: _Mapping, required, optional, where: str, urn: str | None) -> None:
        for key in required:
            if key not in mapping:
                self.add(f"{where}: missing required key {key!r}", urn, mapping.line)
        for key in mapping:
            if key not in required and key not in optional:
                self.add(f"{where}: unknown key {key!r}", urn, mapping.line_of(key))

    def mapping(self, value: Any, what: str, urn: str | None, line: int | None):
        if isinstance(value, dict):
            return value
        self.add(f"{what} must be a mapping, not {_type_name(value)}", urn, line)
        return None

    # -- scalars; each returns the value, or None when missing or wrong (problem recorded)

    def string(self, mapping: _Mapping, key: str, what: str, urn: str | None, *,
               nonempty: bool = True, max_length: int | None = None,
               pattern: re.Pattern | None = None, quoted_hint: bool = False) -> str | None:
        if key not in mapping:
            return None  # reported by keys()
        value = mapping[key]
        line = mapping.line_of(key)
        if not isinstance(value, str):
            hint = " (quote it)" if quoted_hint and isinstance(value, int | float) else ""
            self.add(f"{what} must be a string{hint}, not {_type_name(value)}", urn, line)
            return None
        if nonempty and not value.strip():
            self.add(f"{what} must not be empty", urn, line)
            return None
        if max_length is not None and len(value) > max_length:
            self.add(f"{what} is too long ({len(value)} > {max_length} characters)", urn, line)
            return None
        if pattern is not None and not pattern.match(value):
            self.add(f"{what} {value!r} does not match {pattern.pattern}", urn, line)
            return None
        return value

    def boolean(self, mapping: _Mapping, key: str, what: str, urn: str | None) -> bool | None:
        if key not in mapping:
            return None
        value = mapping[key]
        if not isinstance(value, bool):
            self.add(f"{what} must be true or false, not {_type_name(value)}", urn,
                     mapping.line_of(key))
            return None
        return value

    def enum(self, mapping: _Mapping, key: str, what: str, urn: str | None, allowed) -> str | None:
        if key not in mapping:
            return None
        value = mapping[key]
        if not isinstance(value, str) or value not in allowed:
            self.add(f"{what} {value!r} is not allowed (allowed: {', '.join(allowed)})", urn,
                     mapping.line_of(key))
            return None
        return value

    def bilingual(self, mapping: _Mapping, key: str, what: str, urn: str | None, *,
                  nonempty: bool, max_length: int | None = None) -> dict[str, str] | None:
        """A ``{fr, en}`` text map. With ``nonempty``, both texts are required non-blank."""
        if key not in mapping:
            return None
        texts = self.mapping(mapping[key], what, urn, mapping.line_of(key))
        if texts is None:
            return None
        for key in texts:
            if key not in LANGUAGES:
                self.add(f"{what}: unknown key {key!r}", urn, texts.line_of(key))
        ok = True
        for language in LANGUAGES:
            if language not in texts:
                self.add(f"{LANGUAGE_NAMES[language]} {what} ({what}.{language}) is missing",
                         urn, texts.line)
                ok = False
        for language in LANGUAGES:
            if language in texts and not self._text(texts, language, what, urn,
                                                    nonempty=nonempty, max_length=max_length):
                ok = False
        return {language: texts[language] for language in LANGUAGES} if ok else None

    def _text(self, texts: _Mapping, language: str, what: str, urn: str | None, *,
              nonempty: bool, max_length: int | None) -> bool:
        """Check one language's text of a ``{fr, en}`` map; False when it is not acceptable."""
        value = texts[language]
        line = texts.line_of(language)
        label = f"{what}.{language}"
        if value is None and nonempty:
            value = ""
        if not isinstance(value, str):
            self.add(f"{label} must be a string, not {_type_name(value)}", urn, line)
            return False
        if nonempty and not value.strip():
            self.add(f"{LANGUAGE_NAMES[language]} {what} ({label}) is empty", urn, line)
            return False
        if max_length is not None and len(value) > max_length:
            self.add(f"{label} is too long ({len(value)} > {max_length} characters)", urn,
                     line)
            return False
        return True


def _check_library(check: _Checker, meta: _Mapping) -> dict[str, Any] | None:
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


def _check_sources(check: _Checker, meta: _Mapping, urn: str | None) -> list | None:
    if "sources" not in meta:
        return None
    sources = meta["sources"]
    if not isinstance(sources, list):
        check.add(f"library.sources must be a list, not {_type_name(sources)}", urn,
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
    return _plain(sources) if ok else None


def _check_node(check: _Checker, raw: Any, index: int, library_urn: str | None,
                nodes_line: int | None) -> Node | None:
    line = getattr(raw, "line", None) or nodes_line
    item = check.mapping(raw, f"nodes[{index}]", None, line)
    if item is None:
        return None
    before = len(check.problems)
    urn = item.get("urn") if isinstance(item.get("urn"), str) else None
    where = f"nodes[{index}]"
    check.keys(item, NODE_REQUIRED, (), where, urn)
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
    if len(check.problems) != before:
        return None
    return Node(
        urn=urn, parent_urn=parent_urn, ref_id=ref_id, name=name,
        name_is_descriptive=name_is_descriptive, description=description,
        typical_evidence=typical_evidence, documented_information=documented_information,
        conditional=conditional, renewal_months=renewal_months, renewal_basis=renewal_basis,
        assessable=assessable, line=item.line,
    )


def _check_evidence(check: _Checker, item: _Mapping, urn: str | None):
    if "typical_evidence" not in item:
        return None
    evidence = check.mapping(item["typical_evidence"], "typical_evidence", urn,
                             item.line_of("typical_evidence"))
    if evidence is None:
        return None
    check.keys(evidence, LANGUAGES, (), "typical_evidence", urn)
    lists = {}
    for language in LANGUAGES:
        if language not in evidence:
            continue
        values = evidence[language]
        line = evidence.line_of(language)
        if not isinstance(values, list):
            check.add(f"typical_evidence.{language} must be a list, not {_type_name(values)}",
                      urn, line)
            continue
        bad = [v for v in values if not isinstance(v, str) or not v.strip()]
        if bad:
            check.add(f"typical_evidence.{language} items must be non-empty strings "
                      f"(got {bad[0]!r})", urn, line)
            continue
        lists[language] = list(values)
    if len(lists) != len(LANGUAGES):
        return None
    if len(lists["fr"]) != len(lists["en"]):
        check.add(f"typical_evidence: the French and English lists differ in length "
                  f"({len(lists['fr'])} fr, {len(lists['en'])} en)", urn,
                  item.line_of("typical_evidence"))
        return None
    return lists


def _check_documented_information(check: _Checker, item: _Mapping, urn: str | None):
    if "documented_information" not in item:
        return None
    values = item["documented_information"]
    line = item.line_of("documented_information")
    if not isinstance(values, list):
        check.add(f"documented_information must be a list, not {_type_name(values)}", urn, line)
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


def _check_renewal(check: _Checker, item: _Mapping, urn: str | None):
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


@dataclass
class _Link:
    """What the tree checks need of a node, kept even when other fields of the node are bad."""

    urn: str
    parent_urn: Any
    ref_id: Any
    line: int | None


def _link(raw: Any) -> _Link | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("urn"), str):
        return None
    return _Link(raw["urn"], raw.get("parent_urn"), raw.get("ref_id"), getattr(raw, "line", None))


def _check_tree(check: _Checker, links: list[_Link]) -> None:
    """Duplicate URNs and ref_ids, unknown parents and parent cycles."""
    by_urn: dict[str, _Link] = {}
    ref_ids: dict[str, _Link] = {}
    for link in links:
        if link.urn in by_urn:
            check.add(f"duplicate URN (first at line {by_urn[link.urn].line})", link.urn,
                      link.line)
        else:
            by_urn[link.urn] = link
        if not isinstance(link.ref_id, str):
            continue
        if link.ref_id in ref_ids:
            first = ref_ids[link.ref_id]
            check.add(f"duplicate ref_id {link.ref_id!r} (also {first.urn}, line {first.line})",
                      link.urn, link.line)
        else:
            ref_ids[link.ref_id] = link

    parent_of: dict[str, str] = {}
    for link in by_urn.values():
        if not isinstance(link.parent_urn, str):
            continue  # null (top level) or a wrong type (reported with the node)
        if link.parent_urn not in by_urn:
            check.add(f"unknown parent {link.parent_urn}", link.urn, link.line)
        else:
            parent_of[link.urn] = link.parent_urn

    # Each node has at most one parent: walk up from every node, marking the walk in progress;
    # meeting a node of the current walk closes a cycle. Parents may come after children.
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = done
    for start in by_urn:
        walk: list[str] = []
        position: dict[str, int] = {}
        urn: str | None = start
        while urn is not None and urn not in state:
            state[urn] = 1
            position[urn] = len(walk)
            walk.append(urn)
            urn = parent_of.get(urn)
        if urn is not None and state[urn] == 1:
            cycle = walk[position[urn]:]
            first = min(cycle, key=lambda u: by_urn[u].line or 0)
            at = cycle.index(first)
            cycle = cycle[at:] + cycle[:at]
            check.add("parent cycle: " + " -> ".join([*cycle, first]), first, by_urn[first].line)
        for urn in walk:
            state[urn] = 2


def _order(nodes: list[Node]) -> list[Node]:
    """Set ``order`` (parent-first, siblings in file order, from 1) and ``depth``; sort."""
    children: dict[str | None, list[Node]] = {}
    for node in nodes:
        children.setdefault(node.parent_urn, []).append(node)
    order = 0
    stack = [(node, 0) for node in reversed(children.get(None, []))]
    while stack:
        node, depth = stack.pop()
        order += 1
        node.order, node.depth = order, depth
        stack.extend((child, depth + 1) for child in reversed(children.get(node.urn, [])))
    return sorted(nodes, key=lambda node: node.order)


def _attach_urns(problems: list[Problem], raw_nodes: list) -> list[Problem]:
    """Name the node of problems found while reading YAML (duplicate keys), by line."""
    named = []
    for problem in problems:
        urn = next((
            raw["urn"] for raw in raw_nodes
            if isinstance(raw.get("urn"), str) and problem.line is not None
            and raw.line <= problem.line <= raw.end_line
        ), None)
        named.append(replace(problem, urn=urn) if urn and problem.urn is None else problem)
    return named


def parse_library(text: str, path: str | Path | None = None) -> Library:
    """Parse and validate the text of a library file (see :func:`load_library`)."""
    try:
        data, problems = _read_yaml(text)
    except yaml.YAMLError as exc:
        raise LibraryError([_yaml_problem(exc)], path) from exc
    check = _Checker()
    check.problems.extend(problems)

    if not isinstance(data, dict):
        check.add(f"the file must be a mapping with keys 'library' and 'nodes', not "
                  f"{_type_name(data)}", line=getattr(data, "line", 1))
        raise LibraryError(check.problems, path)
    check.keys(data, TOP_KEYS, (), "file", None)

    meta = None
    if "library" in data:
        library_map = check.mapping(data["library"], "library", None, data.line_of("library"))
        if library_map is not None:
            meta = _check_library(check, library_map)
    library_urn = None
    if isinstance(data.get("library"), dict) and isinstance(data["library"].get("urn"), str):
        library_urn = data["library"]["urn"]

    nodes: list[Node] = []
    raw_nodes = data.get("nodes")
    if "nodes" in data and not isinstance(raw_nodes, list):
        check.add(f"nodes must be a list, not {_type_name(raw_nodes)}", library_urn,
                  data.line_of("nodes"))
    elif isinstance(raw_nodes, list):
        links = []
        for index, raw in enumerate(raw_nodes):
            node = _check_node(check, raw, index, library_urn, data.line_of("nodes"))
            if node is not None:
                nodes.append(node)
            link = _link(raw)
            if link is not None:
                links.append(link)
        _check_tree(check, links)
        # Duplicate keys found while reading YAML: name the node they are in.
        check.problems[: len(problems)] = _attach_urns(check.problems[: len(problems)], [
            raw for raw in raw_nodes if isinstance(raw, _Mapping)
        ])

    if check.problems or meta is None:
        problems = sorted(check.problems, key=lambda p: (p.line is None, p.line or 0))
        raise LibraryError(problems, path)
    return Library(**meta, nodes=_order(nodes), path=Path(path) if path is not None else None)


def load_library(path: str | Path) -> Library:
    """Read, parse and validate a library file.

    Raises :class:`LibraryError` with every problem found (YAML syntax, missing keys, wrong
    types, values outside the allowed sets, duplicate URNs or ref_ids, URNs outside the
    library, unknown parents, parent cycles, missing titles...), each citing URN and line.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise LibraryError([Problem(f"cannot read the file: {exc.strerror or exc}")], path) from exc
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise LibraryError([Problem("the file is not valid UTF-8", line=line)], path) from exc
    return parse_library(text, path)
