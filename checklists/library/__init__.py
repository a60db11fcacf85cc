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

from dataclasses import replace
from pathlib import Path

import yaml

from .checker import Checker, type_name
from .fields import check_library, check_node
from .results import Library, LibraryError, Node, Problem
from .schema import TOP_KEYS
from .tree import check_excludable, check_tree, link_of, order_nodes
from .yaml_reader import LineMapping, read_yaml, yaml_problem

__all__ = ["Library", "LibraryError", "Node", "Problem", "load_library", "parse_library"]


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
        data, problems = read_yaml(text)
    except yaml.YAMLError as exc:
        raise LibraryError([yaml_problem(exc)], path) from exc
    check = Checker()
    check.problems.extend(problems)

    if not isinstance(data, LineMapping):  # every YAML mapping is read as a LineMapping
        check.add(f"the file must be a mapping with keys 'library' and 'nodes', not "
                  f"{type_name(data)}", line=getattr(data, "line", 1))
        raise LibraryError(check.problems, path)
    check.keys(data, TOP_KEYS, (), "file", None)

    meta = None
    if "library" in data:
        library_map = check.mapping(data["library"], "library", None, data.line_of("library"))
        if library_map is not None:
            meta = check_library(check, library_map)
    library_urn = None
    if isinstance(data.get("library"), dict) and isinstance(data["library"].get("urn"), str):
        library_urn = data["library"]["urn"]

    nodes: list[Node] = []
    raw_nodes = data.get("nodes")
    if "nodes" in data and not isinstance(raw_nodes, list):
        check.add(f"nodes must be a list, not {type_name(raw_nodes)}", library_urn,
                  data.line_of("nodes"))
    elif isinstance(raw_nodes, list):
        links = []
        for index, raw in enumerate(raw_nodes):
            node = check_node(check, raw, index, library_urn, data.line_of("nodes"))
            if node is not None:
                nodes.append(node)
            link = link_of(raw)
            if link is not None:
                links.append(link)
        check_tree(check, links)
        check_excludable(check, nodes)
        # Duplicate keys found while reading YAML: name the node they are in.
        check.problems[: len(problems)] = _attach_urns(check.problems[: len(problems)], [
            raw for raw in raw_nodes if isinstance(raw, LineMapping)
        ])

    if check.problems or meta is None:
        problems = sorted(check.problems, key=lambda p: (p.line is None, p.line or 0))
        raise LibraryError(problems, path)
    return Library(**meta, nodes=order_nodes(nodes), path=Path(path) if path is not None else None)


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
