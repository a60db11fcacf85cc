"""Full-text search over the evidence (decision 0030): titles, tags, descriptions and the text
of each item's current files, in French, on PostgreSQL or on the embedded SQLite.

    query = parse(request.GET["q"])                  # QueryRefused: a 400 with its code
    items = ranked(access.scope(items, user), query)  # matches only, `search_rank`, best first
    found = excerpts([item.pk for item in page], query)

Services call `refresh_items` whenever what is indexed changes (title, tags, description, a
verified revision, a file's text): in their transaction, so search never shows a state the
database does not hold.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet

from .excerpts import Excerpt
from .query import QueryRefused, SearchQuery, any_of, parse

__all__ = ["RANKED_AT_MOST", "Excerpt", "QueryRefused", "SearchQuery", "any_of", "excerpts",
           "parse", "ranked", "refresh_items"]

BATCH = 500
# Ranking reads what no index holds: on PostgreSQL each candidate's whole vector (about 8 kB of
# TOAST for two pages of text), so that ranking the 90,000 items holding a common word takes
# seconds. A search answers the first items found up to this count, ranked among themselves.
RANKED_AT_MOST = 1_000


def _engine():
    if connection.vendor == "postgresql":
        from . import postgres

        return postgres
    from . import sqlite

    return sqlite


def refresh_items(item_ids: Iterable[int]) -> None:
    """Rebuild the search entries of these evidence items from what the database holds now."""
    ids = sorted(set(item_ids))
    engine = _engine()
    for start in range(0, len(ids), BATCH):
        engine.refresh(ids[start:start + BATCH])


def ranked(queryset: QuerySet, query: SearchQuery, content: bool = True,
           every_match: bool = False) -> QuerySet:
    """The evidence items of `queryset` that match, annotated `search_rank` (higher is better)
    and ordered by it; narrow `queryset` by the choke point first. At most `RANKED_AT_MOST`
    items, the first found, whose ids are read at once (a query of their own, see
    `postgres.first_found`): at that count, say "more than" and ask for a word more.
    `every_match=True` ranks them all, whatever it costs (the few best of one structure for a
    requirement's suggestions, where any of many words matches most of the vault).
    `content=False` reads the title, tags and description only, not the files' text (the
    auditor's workspace, for items whose current revision is not the one it shows)."""
    engine = _engine()
    found = engine.matching(queryset, query, content).order_by()
    found = queryset.filter(pk__in=engine.first_found(
        found, None if every_match else RANKED_AT_MOST))
    return found.annotate(search_rank=engine.rank(queryset.model, query, content)).order_by(
        "-search_rank", "-pk")


def excerpts(item_ids: list[int], query: SearchQuery) -> dict[int, Excerpt]:
    """item id -> where its files hold the words (highlighted, with the file and page); items
    that matched only by their title, tags or description have none."""
    if not item_ids or not query.included:
        return {}
    any_words = SearchQuery(query.included, match_all=False)
    return _engine().excerpts(list(item_ids), any_words)
