"""What a person typed into a search box, read into terms that both engines understand.

The grammar is the one people already use: words (all must appear), "a phrase in quotes"
(French « guillemets » too) and -word to exclude. Every word is matched as a prefix, so that a
partial word finds the whole one (réclam → réclamations). Anything else (operators, brackets,
emoji, SQL) is punctuation and ignored: a query is never passed to an engine as written, only
the words read here, so it cannot be malformed.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
# A word shorter than this is matched whole, not as a prefix ("a:*" would match everything).
PREFIX_FROM_CHARS = 3

_QUOTED = re.compile(r'["«“„]([^"»”“]*)["»”“]?')
_WORD = re.compile(r"\w+")


class QueryRefused(ValueError):
    """The query cannot be answered; `code` is stable, `message` says what to change."""

    def __init__(self, code: str, message):
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Term:
    """One word, or a phrase of several in that order; `excluded` for -word."""

    words: tuple[str, ...]
    excluded: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True)
class SearchQuery:
    """The terms of a query: all must match (`match_all`), or any (`any_of`, for suggestions)."""

    terms: tuple[Term, ...]
    match_all: bool = True

    @property
    def included(self) -> tuple[Term, ...]:
        return tuple(term for term in self.terms if not term.excluded)

    def words(self) -> list[str]:
        """The words to find (not the excluded ones), for highlighting and explanations."""
        return [word for term in self.included for word in term.words]


def _words(text: str) -> tuple[str, ...]:
    # "_" is a word character for \w; people mean it as a separator.
    return tuple(word for word in _WORD.findall(text.replace("_", " ")) if word)


def parse(text: str) -> SearchQuery:
    """The query typed by a person; QueryRefused when it is too long or has no word."""
    text = unicodedata.normalize("NFC", text or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryRefused("query_too_long", _(
            "The search is too long: type at most %(max)s characters.") % {
            "max": MAX_QUERY_CHARS})
    terms: list[Term] = []
    for phrase in _QUOTED.findall(text):
        words = _words(phrase)
        if words:
            terms.append(Term(words))
    for token in _QUOTED.sub(" ", text).split():
        excluded = token.startswith("-")
        terms.extend(Term((word,), excluded) for word in _words(token))
    if not any(not term.excluded for term in terms):
        raise QueryRefused("query_without_words", _(
            "Type at least one word to search for (punctuation and symbols are ignored, and a "
            "search cannot only exclude words)."))
    if len(terms) > MAX_TERMS:
        raise QueryRefused("query_too_many_words", _(
            "The search has too many words: keep the %(max)s most telling ones.") % {
            "max": MAX_TERMS})
    return SearchQuery(tuple(dict.fromkeys(terms)))


def any_of(text: str, limit: int = 30) -> SearchQuery | None:
    """A query matching any of the words of `text` (a requirement's name and typical evidence,
    say), the longest words first; None when `text` has no word."""
    words = sorted(set(_words(unicodedata.normalize("NFC", text).lower())),
                   key=lambda word: (-len(word), word))[:limit]
    if not words:
        return None
    return SearchQuery(tuple(Term((word,)) for word in words), match_all=False)


# --- rendering for the engines ----------------------------------------------------------------


def _prefix(word: str) -> bool:
    return len(word) >= PREFIX_FROM_CHARS


def to_tsquery(query: SearchQuery, weights: str = "") -> str:
    """PostgreSQL's `to_tsquery` text: the engine stems and folds each quoted word; `weights`
    ("ABC") keeps only the matches in those parts of the vector."""

    def word(value: str, prefix: bool) -> str:
        marks = ("*" if prefix else "") + weights
        return f"'{value}'" + (f":{marks}" if marks else "")

    def term(item: Term) -> str:
        rendered = " <-> ".join(word(value, False) for value in item.words) if item.is_phrase \
            else word(item.words[0], _prefix(item.words[0]))
        return f"!({rendered})" if item.excluded else f"({rendered})"

    return (" & " if query.match_all else " | ").join(term(item) for item in query.terms)


def to_fts5(query: SearchQuery, columns: str = "") -> str:
    """SQLite FTS5's MATCH text: quoted strings, prefix stars, NOT for excluded terms;
    `columns` ("title tags") keeps only the matches in those columns."""

    def term(item: Term) -> str:
        quoted = '"' + " ".join(item.words) + '"'
        return quoted + ("*" if not item.is_phrase and _prefix(item.words[0]) else "")

    positive = (" AND " if query.match_all else " OR ").join(term(t) for t in query.included)
    excluded = [term(t) for t in query.terms if t.excluded]
    rendered = f"({positive})" + "".join(f" NOT {item}" for item in excluded)
    return f"{{{columns}}} : ({rendered})" if columns else rendered
