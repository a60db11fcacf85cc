"""YAML read safely, with the line of each mapping and key, and duplicate keys reported."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

from .results import Problem


class LineMapping(dict):
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
# (Type-checked as the SafeLoader, whose interface the libyaml one shares.)
if TYPE_CHECKING:
    from yaml import SafeLoader as _SafeLoader
else:
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):
    """SafeLoader building :class:`LineMapping` objects and reporting duplicate keys."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicate_keys: list[Problem] = []


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode):
    data = LineMapping()
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


def read_yaml(text: str) -> tuple[Any, list[Problem]]:
    loader = _LineLoader(text)
    try:
        return loader.get_single_data(), loader.duplicate_keys
    finally:
        loader.dispose()


def yaml_problem(exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    parts = [
        getattr(exc, "context", None),
        getattr(exc, "problem", None),
    ]
    message = "; ".join(p for p in parts if p) or str(exc).splitlines()[0]
    if mark is None:
        return Problem(f"YAML syntax error: {message}")
    return Problem(f"YAML syntax error: {message}", line=mark.line + 1, column=mark.column + 1)


def plain(value: Any) -> Any:
    """Plain dicts and lists (no line bookkeeping) for storage."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value
