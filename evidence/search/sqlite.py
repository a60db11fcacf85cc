"""Full-text search on the embedded SQLite default: an FTS5 table, `evidence_search_fts`, with
accent folding (unicode61, remove_diacritics 2) and prefix indexes; no stemming (FTS5 has no
French stemmer), which prefix matching makes up for in part. Ranked by BM25 with the columns
weighted as on PostgreSQL."""

from django.db import connection
from django.db.models import FloatField, QuerySet
from django.db.models.expressions import RawSQL

from .documents import CONTENT, FILE_SEPARATOR, PAGE_SEPARATOR, TAGS, current_files
from .excerpts import START, STOP, Excerpt, marked_html, window
from .query import SearchQuery, to_fts5

TABLE = "evidence_search_fts"
CREATE = (f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(title, tags, description, "
          "content, tokenize='unicode61 remove_diacritics 2', prefix='2 3 4')")
# title, tags, description, content: the same order of importance as on PostgreSQL.
BM25 = f"bm25({TABLE}, 10.0, 6.0, 3.0, 1.0)"


def refresh(item_ids: list[int]) -> None:
    marks = ", ".join("%s" for _ in item_ids)
    tags = TAGS.replace("{concat}", "group_concat")
    content = CONTENT.replace("{concat}", "group_concat")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({marks})", item_ids)
        cursor.execute(
            f"INSERT INTO {TABLE} (rowid, title, tags, description, content) "
            f"SELECT i.id, i.title, COALESCE({tags}, ''), i.description, COALESCE({content}, '') "
            f"FROM evidence_evidenceitem i WHERE i.id IN ({marks})", item_ids)


def _match(query: SearchQuery, content: bool) -> str:
    return to_fts5(query) if content else to_fts5(query, columns="title tags description")


def matching(queryset: QuerySet, query: SearchQuery, content: bool) -> QuerySet:
    return queryset.filter(pk__in=RawSQL(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s",
                                         [_match(query, content)]))


def first_found(matches: QuerySet, limit: int | None) -> QuerySet:
    """The ids of the first `limit` items of `matches`, all with None (a subquery: SQLite
    plans it well)."""
    return matches.values("pk")[:limit]


def rank(model, query: SearchQuery, content: bool) -> RawSQL:
    table = model._meta.db_table
    return RawSQL(f"SELECT -{BM25} FROM {TABLE} WHERE {TABLE} MATCH %s "
                  f"AND {TABLE}.rowid = {table}.id", [_match(query, content)],
                  output_field=FloatField())


def excerpts(item_ids: list[int], any_words: SearchQuery) -> dict:
    """The first page of a current file where one of the words is, for each item."""
    marks = ", ".join("%s" for _ in item_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid, highlight({TABLE}, 3, %s, %s) FROM {TABLE} "
            f"WHERE {TABLE} MATCH %s AND rowid IN ({marks})",
            [START, STOP, "{content}: " + to_fts5(any_words), *item_ids])
        rows = cursor.fetchall()
    files = current_files([row[0] for row in rows])
    found = {}
    for item_id, content in rows:
        for (file_id, name, page_count), text in zip(
                files.get(item_id, []), content.split(FILE_SEPARATOR), strict=False):
            pages = text.split(PAGE_SEPARATOR)
            number = next((n for n, page in enumerate(pages, 1) if START in page), None)
            if number is None:
                continue
            found[item_id] = Excerpt(marked_html(window(pages[number - 1])), file_id, name,
                                     number if page_count and page_count > 1 else None)
            break
    return found
