"""Full-text search on PostgreSQL: the `audit_fr` configuration (unaccent, then the French
Snowball stemmer), one weighted vector per item in `SearchEntry`, a GIN index over
(structure, vector) through btree_gin (migration 0011)."""

import logging

from django.contrib.postgres.search import SearchQuery as EngineQuery
from django.contrib.postgres.search import SearchRank
from django.db import OperationalError, connection, transaction
from django.db.models import F, QuerySet

from .documents import CONTENT, PAGE_SEPARATOR, TAGS
from .excerpts import START, STOP, Excerpt, marked_html
from .query import SearchQuery, to_tsquery

logger = logging.getLogger(__name__)

CONFIG = "audit_fr"
# tsvector holds at most 1 MB; the text of a very large file (hundreds of thousands of
# distinct tokens) may not fit: the item is then indexed on the beginning of its text.
FALLBACK_CONTENT_CHARS = 200_000
# Weights of D (content), C (description), B (tags), A (title); normalization 1 divides by
# 1 + log(length), so that long files do not win by size alone.
WEIGHTS = [0.1, 0.3, 0.6, 1.0]
# Excerpts look for the words in at most this many characters of each file.
EXCERPT_SCAN_CHARS = 300_000

_UPSERT = f"""
INSERT INTO evidence_searchentry (evidence_id, organization_id, vector, indexed_at)
SELECT i.id, i.organization_id,
       setweight(to_tsvector('{CONFIG}', i.title), 'A')
       || setweight(to_tsvector('{CONFIG}', COALESCE({TAGS}, '')), 'B')
       || setweight(to_tsvector('{CONFIG}', i.description), 'C')
       || setweight(to_tsvector('{CONFIG}', {{content}}), 'D'),
       now()
FROM evidence_evidenceitem i WHERE i.id = ANY(%s)
ON CONFLICT (evidence_id) DO UPDATE SET organization_id = EXCLUDED.organization_id,
    vector = EXCLUDED.vector, indexed_at = EXCLUDED.indexed_at
""".replace("{concat}", "string_agg")
_CONTENT = CONTENT.replace("{concat}", "string_agg")


def refresh(item_ids: list[int]) -> None:
    whole = _UPSERT.format(content=f"COALESCE({_CONTENT}, '')")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(whole, [item_ids])
        return
    except OperationalError:  # "string is too long for tsvector": one item at a time
        pass
    capped = _UPSERT.format(content=f"left(COALESCE({_CONTENT}, ''), {FALLBACK_CONTENT_CHARS})")
    for item_id in item_ids:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(whole, [[item_id]])
        except OperationalError:
            logger.warning("evidence %s: text too large for search, indexed on its beginning",
                           item_id)
            with connection.cursor() as cursor:
                cursor.execute(capped, [[item_id]])


def _words(query: SearchQuery, content: bool) -> EngineQuery:
    text = to_tsquery(query) if content else to_tsquery(query, weights="ABC")
    return EngineQuery(text, search_type="raw", config=CONFIG)


def matching(queryset: QuerySet, query: SearchQuery, content: bool) -> QuerySet:
    # The entry's structure is its item's: stated, it lets the planner read the structures
    # narrowed by the choke point and the words together from the GIN index over both.
    return queryset.filter(search_entry__vector=_words(query, content),
                           search_entry__organization_id=F("organization_id"))


# PostgreSQL's planner costs nothing for reading a vector out of TOAST (about 5 µs each here).
# For a word found in most of a network's 100,000 files it therefore hashes or sorts every
# matching entry before joining (0.5 to 1 s) where nested loops stop at the first matches found
# (20 to 50 ms, bench/README.md). The candidates are read with those two join methods off, for
# that statement only.
_JOIN_METHODS = ("SELECT set_config('enable_hashjoin', %s, true), "
                 "set_config('enable_mergejoin', %s, true)")


def first_found(matches: QuerySet, limit: int | None) -> list[int]:
    """The ids of the first `limit` items of `matches` (all with None), read by nested
    loops."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_hashjoin'), "
                       "current_setting('enable_mergejoin')")
        previous = cursor.fetchone()
        cursor.execute(_JOIN_METHODS, ["off", "off"])
        ids = list(matches.values_list("pk", flat=True)[:limit])  # [:None]: every one
        cursor.execute(_JOIN_METHODS, list(previous))  # within an outer transaction too
    return ids


def rank(model, query: SearchQuery, content: bool) -> SearchRank:
    return SearchRank(F("search_entry__vector"), _words(query, content), weights=WEIGHTS,
                      normalization=1)


# Parsing text is what excerpts cost (about 0.3 ms per page of text). The page is chosen without
# parsing: the one where most of the query's lexemes (stemmed, accents folded) appear in the text
# folded the same way, then the first; only that page is parsed, by ts_headline.
_PAGES = f"""
SELECT best.evidence_id, best.file_id, best.name, best.page_count, best.number,
       ts_headline('{CONFIG}', best.text, q.words,
                   'StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12,
                    MaxFragments=2, FragmentDelimiter=" … "')
FROM (SELECT to_tsquery('{CONFIG}', %s) AS words) AS q, (
    SELECT DISTINCT ON (r.evidence_id) r.evidence_id, f.id AS file_id, f.name, f.page_count,
           page.number, page.text
    FROM evidence_revision r
    JOIN evidence_storedfile f ON f.revision_id = r.id
    JOIN evidence_filetext ft ON ft.stored_file_id = f.id
    CROSS JOIN LATERAL regexp_split_to_table(left(ft.text, {EXCERPT_SCAN_CHARS}),
        '{PAGE_SEPARATOR}') WITH ORDINALITY AS page(text, number)
    CROSS JOIN LATERAL (SELECT lower(unaccent(page.text)) AS text OFFSET 0) AS folded
    CROSS JOIN (SELECT array_agg(DISTINCT lexeme[1]) AS lexemes FROM regexp_matches(
        to_tsquery('{CONFIG}', %s)::text, '''((?:[^'']|'''')+)''', 'g') AS lexeme) AS l
    WHERE r.is_current AND r.evidence_id = ANY(%s)
    ORDER BY r.evidence_id, (SELECT count(*) FROM unnest(l.lexemes) AS lexeme
                             WHERE strpos(folded.text, lexeme) > 0) DESC,
             f.id, page.number
) AS best
"""


def excerpts(item_ids: list[int], any_words: SearchQuery) -> dict:
    """The page of a current file where most of the words are, for each item."""
    with connection.cursor() as cursor:
        words = to_tsquery(any_words)
        cursor.execute(_PAGES, [words, words, item_ids])
        rows = cursor.fetchall()
    found = {}
    for item_id, file_id, name, page_count, page, headline in rows:
        if START not in headline:
            continue
        found[item_id] = Excerpt(marked_html(headline), file_id, name,
                                 page if page_count and page_count > 1 else None)
    return found
