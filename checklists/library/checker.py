"""The checker that reads typed values out of the parsed YAML, collecting problems."""

from __future__ import annotations

import re
from typing import Any

from .results import Problem
from .schema import LANGUAGE_NAMES, LANGUAGES
from .yaml_reader import LineMapping


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean", int: "an integer", float: "a number", str: "a string",
        list: "a list", LineMapping: "a mapping", dict: "a mapping",
    }.get(type(value), type(value).__name__)


class Checker:
    """Collects problems while reading values out of the parsed YAML."""

    def __init__(self):
        self.problems: list[Problem] = []

    def add(self, message: str, urn: str | None = None, line: int | None = None) -> None:
        self.problems.append(Problem(message, urn=urn, line=line))

    # -- structure

    def keys(self, mapping: LineMapping, required, optional, where: str, urn: str | None) -> None:
        for key in required:
            if key not in mapping:
                self.add(f"{where}: missing required key {key!r}", urn, mapping.line)
        for key in mapping:
            if key not in required and key not in optional:
                self.add(f"{where}: unknown key {key!r}", urn, mapping.line_of(key))

    def mapping(self, value: Any, what: str, urn: str | None, line: int | None):
        if isinstance(value, dict):
            return value
        self.add(f"{what} must be a mapping, not {type_name(value)}", urn, line)
        return None

    # -- scalars; each returns the value, or None when missing or wrong (problem recorded)

    def string(self, mapping: LineMapping, key: str, what: str, urn: str | None, *,
               nonempty: bool = True, max_length: int | None = None,
               pattern: re.Pattern | None = None, quoted_hint: bool = False) -> str | None:
        if key not in mapping:
            return None  # reported by keys()
        value = mapping[key]
        line = mapping.line_of(key)
        if not isinstance(value, str):
            hint = " (quote it)" if quoted_hint and isinstance(value, int | float) else ""
            self.add(f"{what} must be a string{hint}, not {type_name(value)}", urn, line)
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

    def boolean(self, mapping: LineMapping, key: str, what: str, urn: str | None) -> bool | None:
        if key not in mapping:
            return None
        value = mapping[key]
        if not isinstance(value, bool):
            self.add(f"{what} must be true or false, not {type_name(value)}", urn,
                     mapping.line_of(key))
            return None
        return value

    def enum(self, mapping: LineMapping, key: str, what: str, urn: str | None,
             allowed) -> str | None:
        if key not in mapping:
            return None
        value = mapping[key]
        if not isinstance(value, str) or value not in allowed:
            self.add(f"{what} {value!r} is not allowed (allowed: {', '.join(allowed)})", urn,
                     mapping.line_of(key))
            return None
        return value

    def bilingual(self, mapping: LineMapping, key: str, what: str, urn: str | None, *,
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

    def _text(self, texts: LineMapping, language: str, what: str, urn: str | None, *,
              nonempty: bool, max_length: int | None) -> bool:
        """Check one language's text of a ``{fr, en}`` map; False when it is not acceptable."""
        value = texts[language]
        line = texts.line_of(language)
        label = f"{what}.{language}"
        if value is None and nonempty:
            value = ""
        if not isinstance(value, str):
            self.add(f"{label} must be a string, not {type_name(value)}", urn, line)
            return False
        if nonempty and not value.strip():
            self.add(f"{LANGUAGE_NAMES[language]} {what} ({label}) is empty", urn, line)
            return False
        if max_length is not None and len(value) > max_length:
            self.add(f"{label} is too long ({len(value)} > {max_length} characters)", urn,
                     line)
            return False
        return True
