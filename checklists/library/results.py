"""What reading a library gives: its nodes and metadata, or the problems found."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


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
    excludable: bool = False  # may be declared not applicable (with its sub-clauses)
    order: int = 0  # position in parent-first (pre-order) traversal, from 1
    depth: int = 0  # 0 for top-level nodes
    line: int | None = None  # line of the node in the file
    per_member: str = ""  # a population kind: the requirement applies to each member
    # words people write in such evidence, for suggested tags: {fr: [...], en: [...]}
    keywords: dict[str, list[str]] = field(default_factory=lambda: {"fr": [], "en": []})


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
