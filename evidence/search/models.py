"""Where full-text search reads: one entry per evidence item (decision 0030)."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    """The weighted search vector of one evidence item on PostgreSQL: title (A) > tags (B) >
    description (C) > the text of its current revision's files (D), in the French configuration
    that folds accents before stemming. Derived data, rewritten by `search.refresh_items`
    whenever one of them changes; kept apart so that no query on items carries it. On SQLite
    the FTS5 table `evidence_search_fts` plays this part and this table stays empty."""

    scope_path = "organization"

    evidence = models.OneToOneField("evidence.EvidenceItem", on_delete=models.CASCADE,
                                    primary_key=True, related_name="search_entry")
    # The item's structure, copied so that one GIN index covers (structure, words).
    organization = models.ForeignKey("audit_prep.Organization", on_delete=models.CASCADE,
                                     related_name="+", db_index=False)
    vector = SearchVectorField(null=True)
    indexed_at = models.DateTimeField()

    class Meta:
        app_label = "evidence"
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")

    def __str__(self):
        return f"search entry of {self.evidence_id}"
