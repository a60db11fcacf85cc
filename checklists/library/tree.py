"""Checks of the node tree (duplicates, unknown parents, cycles) and its order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .checker import Checker
from .results import Node


@dataclass
class Link:
    """What the tree checks need of a node, kept even when other fields of the node are bad."""

    urn: str
    parent_urn: Any
    ref_id: Any
    line: int | None


def link_of(raw: Any) -> Link | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("urn"), str):
        return None
    return Link(raw["urn"], raw.get("parent_urn"), raw.get("ref_id"), getattr(raw, "line", None))


def check_tree(check: Checker, links: list[Link]) -> None:
    """Duplicate URNs and ref_ids, unknown parents and parent cycles."""
    by_urn: dict[str, Link] = {}
    ref_ids: dict[str, Link] = {}
    for link in links:
        if link.urn in by_urn:
            check.add(f"duplicate URN (first at line {by_urn[link.urn].line})", link.urn,
                      link.line)
        else:
            by_urn[link.urn] = link
        if not isinstance(link.ref_id, str):
            continue
        if link.ref_id in ref_ids:
            holder = ref_ids[link.ref_id]
            check.add(f"duplicate ref_id {link.ref_id!r} (also {holder.urn}, line {holder.line})",
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


def check_excludable(check: Checker, nodes: list[Node]) -> None:
    """Excluding a clause excludes its sub-clauses: a node under an excludable node must say
    so itself (`excludable: true`), so that the file reads as the checklist behaves."""
    by_urn = {node.urn: node for node in nodes}
    for node in nodes:
        parent = by_urn.get(node.parent_urn or "")
        if parent is not None and parent.excludable and not node.excludable:
            check.add(f"excludable must be true: its parent {parent.ref_id} may be declared not "
                      "applicable, and excluding a clause excludes its sub-clauses", node.urn,
                      node.line)


def order_nodes(nodes: list[Node]) -> list[Node]:
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
