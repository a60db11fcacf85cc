"""Search in the auditor's workspace (decision 0030): the words are looked for among the
engagement's evidence only (`auditor_evidence`, never the structure's whole vault), and
the files' text is read only where the workspace shows it.

Search indexes each item's current revision; the workspace shows the revision in force on the
audit date. Where both are the same revision, the item is searched whole (title, tags,
description, files) and its excerpt shown. Where they differ (a later revision was verified,
or none was in force), its files are not searched: the words are looked for in its title, tags
and description only, so that no word of a revision the auditor may not read finds an item or
shows in an excerpt."""

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.urls import reverse

from checklists import evidence_listing
from evidence import search
from evidence.models import Revision


def with_current_revision(items: QuerySet) -> QuerySet:
    """`items` annotated with the id of their current revision (`current_revision_id`)."""
    current = Revision.objects.filter(evidence=OuterRef("pk"), is_current=True)
    return items.annotate(current_revision_id=Subquery(current.values("pk")[:1]))


def searched(items: QuerySet, query: search.SearchQuery) -> QuerySet:
    """The items of `items` (an engagement's `auditor_evidence`) that match, best first."""
    items = with_current_revision(items).order_by()
    shown_whole = items.filter(revision_in_force_id=F("current_revision_id"))
    other = items.exclude(pk__in=shown_whole.values("pk"))
    whole = search.ranked(shown_whole, query).order_by()
    described = search.ranked(other, query, content=False).order_by()
    return whole.union(described).order_by("-search_rank", "-id")


def matches(items, query: search.SearchQuery | None) -> dict:
    """item id -> `search.Excerpt` for the items of one page whose current revision is the
    one the workspace shows (one query for the page)."""
    if query is None:
        return {}
    shown = [item.pk for item in items
             if getattr(item, "current_revision_id", None) == item.revision_in_force_id]
    return search.excerpts(shown, query)


def read(text: str) -> tuple[search.SearchQuery | None, list[str]]:
    """The words of a page's `q` (None when blank) and the refusal's message, if any."""
    if not text.strip():
        return None, []
    try:
        return search.parse(text), []
    except search.QueryRefused as refused:
        return None, [str(refused.message)]


def describe_matches(engagement, items, query: search.SearchQuery | None) -> None:
    """Gives each item of one page its `match` and `match_href` (the workspace's preview of the
    file, at the page of a PDF), as `checklists/pages/search_match.html` shows them."""

    def preview(file_id: int, page: int | None) -> str:
        return reverse("audit-file-preview", args=[engagement.pk, file_id]) + f"#page={page}"

    evidence_listing.describe_matches(items, query, href=preview, found=matches(items, query))
