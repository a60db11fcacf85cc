"""Which requirements best match a text: BM25F over each requirement's own words, in Python.

A requirement's document is its French name, keywords, typical evidence and description, each
field weighted (a name or a typical piece of evidence says more than a paraphrase); a clause
with sub-clauses also reads theirs at a lower weight (9.3 "Revue de direction" is found by the
inputs and outputs of 9.3.2 and 9.3.3). The query is the evidence item's title, tags,
description and the text of its current files, weighted too, each term's weight saturating
(a word written forty times counts about three times as much as a word written once).
The inverse document frequency is taken over every requirement ranked together (the
referentials a structure follows), so that words every requirement uses count little.

One referential's documents are built once per process and kept while its requirements'
words stay the same (`index_for`): a suggestion then costs the query's terms and a few
dictionary look-ups."""

import math
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from .text import Terms, terms

# Weights of a requirement's fields, and of its sub-clauses' (their name, keywords, evidence).
FIELD_WEIGHTS = {"name": 3.0, "keywords": 2.5, "evidence": 2.0, "description": 1.0}
CHILD_WEIGHT = 0.5
# Weights of the evidence item's fields in the query.
QUERY_WEIGHTS = {"title": 3.0, "tags": 2.0, "description": 1.5, "text": 1.0}
K1, B, K3 = 1.2, 0.75, 2.0
PAIR_BOOST = 1.5  # a two-word term ("revue de direction") counts more than its words
CACHED_INDEXES = 128


@dataclass(frozen=True)
class Row:
    """A requirement as the ranking reads it."""

    pk: int
    referential_id: int
    parent_id: int | None
    ref_id: str
    name: str
    description: str = ""
    evidence: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass
class Index:
    """The documents of one referential's requirements (those of a structure included)."""

    rows: list[Row]
    postings: dict[str, list[tuple[int, float]]]  # term -> (position in rows, weighted tf)
    lengths: list[float]
    average_length: float
    df: Counter = field(default_factory=Counter)


def _own_terms(row: Row) -> dict[str, Terms]:
    return {"name": terms(row.name), "keywords": terms(" ; ".join(row.keywords)),
            "evidence": terms(" ; ".join(row.evidence)),
            "description": terms(row.description)}


def build(rows: list[Row]) -> Index:
    """The documents of `rows` (one referential's requirements)."""
    own = {row.pk: _own_terms(row) for row in rows}
    children: dict[int, list[int]] = {}
    for row in rows:
        if row.parent_id in own:
            children.setdefault(row.parent_id, []).append(row.pk)
    postings: dict[str, list[tuple[int, float]]] = {}
    lengths: list[float] = []
    df: Counter = Counter()
    for position, row in enumerate(rows):
        document = Terms()
        for name, weight in FIELD_WEIGHTS.items():
            document.add(own[row.pk][name], weight)
        for child in _descendants(row.pk, children):
            for name in ("name", "keywords", "evidence"):
                document.add(own[child][name], CHILD_WEIGHT * FIELD_WEIGHTS[name])
        for term, count in document.counts.items():
            postings.setdefault(term, []).append((position, count))
        df.update(document.counts.keys())
        lengths.append(max(document.length, 1))
    average = sum(lengths) / len(lengths) if lengths else 1.0
    return Index(rows=rows, postings=postings, lengths=lengths, average_length=average, df=df)


def _descendants(pk: int, children: dict[int, list[int]]) -> list[int]:
    found, todo = [], list(children.get(pk, ()))
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(children.get(child, ()))
    return found


_cache: OrderedDict = OrderedDict()


def index_for(referential_id: int, rows: list[Row]) -> Index:
    """The index of one referential's `rows`, built once while they stay the same."""
    key = (referential_id, hash(tuple(rows)))
    index = _cache.get(key)
    if index is None:
        index = build(rows)
        _cache[key] = index
        while len(_cache) > CACHED_INDEXES:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return index


def query_terms(title: str, tags: list[str], description: str, text: str) -> Terms:
    """The weighted terms of an evidence item."""
    query = Terms()
    query.add(terms(title), QUERY_WEIGHTS["title"])
    query.add(terms(" ; ".join(tags)), QUERY_WEIGHTS["tags"])
    query.add(terms(description), QUERY_WEIGHTS["description"])
    query.add(terms(text), QUERY_WEIGHTS["text"])
    return query


@dataclass
class Match:
    """One requirement ranked for a query: its score and the words that counted most."""

    row: Row
    score: float
    words: list[str]
    rank: int = 0


def rank(query: Terms, indexes: list[Index], eligible=None, per_referential: int = 3,
         words_shown: int = 6) -> list[Match]:
    """The best `per_referential` requirements of each index for `query`, best first within
    each referential (`rank` from 1), among the `eligible` requirement ids (all when None)."""
    total = sum(len(index.rows) for index in indexes) or 1
    df: Counter = Counter()
    for index in indexes:
        df.update(index.df)
    found: list[Match] = []
    for index in indexes:
        scored = _score(query, index, df, total)
        ranked = sorted(((score, position) for position, score in scored.items()
                         if eligible is None or index.rows[position].pk in eligible),
                        key=lambda pair: (-pair[0][0], index.rows[pair[1]].pk))
        for number, ((score, parts), position) in enumerate(ranked[:per_referential], 1):
            words = _reason(query, parts, words_shown)
            found.append(Match(row=index.rows[position], score=round(score, 3), words=words,
                               rank=number))
    return found


def _reason(query: Terms, parts: dict[str, float], shown: int) -> list[str]:
    """The words that weighed most, as written in the text; a word already shown within a
    two-word term is not repeated."""
    chosen: list[str] = []
    within: set[str] = set()
    for term, _part in sorted(parts.items(), key=lambda pair: (-pair[1], pair[0])):
        if term in within:
            continue
        chosen.append(query.spelled[term])
        within.update(term.split(" "))
        if len(chosen) == shown:
            break
    return chosen


def _score(query: Terms, index: Index, df: Counter, total: int) -> dict:
    """position -> (score, {term: its part of the score}) for the documents matching."""
    scores: dict[int, tuple[float, dict[str, float]]] = {}
    for term, count in query.counts.items():
        postings = index.postings.get(term)
        if not postings:
            continue
        frequency = df[term]
        idf = math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))
        weight = idf * count * (K3 + 1) / (count + K3)
        if " " in term:
            weight *= PAIR_BOOST
        for position, tf in postings:
            norm = K1 * (1 - B + B * index.lengths[position] / index.average_length)
            part = weight * tf * (K1 + 1) / (tf + norm)
            score, parts = scores.get(position, (0.0, {}))
            parts[term] = part
            scores[position] = (score + part, parts)
    return scores
