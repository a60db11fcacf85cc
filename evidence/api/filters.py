import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework.filters import OrderingFilter

from audit_prep.api.filters import IdFilter
from audit_prep.validators import validate_date_range

from .. import search
from ..models import EvidenceItem, EvidenceKind, EvidenceStatus, FilesState, Revision


class SearchField(forms.CharField):
    """Words typed into a search box, read by the search grammar (decision 0030): cleaned into
    a `search.SearchQuery`, or refused with the grammar's stable code and message."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return search.parse(value)
        except search.QueryRefused as refused:
            raise forms.ValidationError(refused.message, code=refused.code) from None


@extend_schema_field({"type": "string", "description": _(
    "Words to find in the title, tags, description or the text of the current files: accents "
    "ignored, a word of three letters or more also finds the words it starts, \"a phrase\" in "
    "quotes, -word to exclude. Results best first unless `ordering` is given; at most the "
    "first 1,000 items found (a count of 1,000 means at least 1,000: add a word). At most 200 "
    "characters and 12 words (400: query_too_long, query_too_many_words, "
    "query_without_words).")})
class SearchFilter(django_filters.Filter):
    """Full-text search over the title, tags, description and the text of the current files:
    matches only, annotated `search_rank` and ordered best first (an explicit `ordering`
    wins: `RankedOrderingFilter`)."""

    field_class = SearchField

    def filter(self, qs, value):
        return qs if value is None else search.ranked(qs, value)


def date_filter(field_name: str, lookup_expr: str) -> django_filters.DateFilter:
    return django_filters.DateFilter(field_name=field_name, lookup_expr=lookup_expr,
                                     validators=[validate_date_range])


class EvidenceFilter(django_filters.FilterSet):
    organization = IdFilter(field_name="organization_id")
    status = django_filters.MultipleChoiceFilter(choices=EvidenceStatus.choices)
    kind = django_filters.ChoiceFilter(choices=EvidenceKind.choices)
    file_check = django_filters.ChoiceFilter(choices=FilesState.choices)
    tag = django_filters.CharFilter(field_name="tags__name", distinct=True)
    owner = IdFilter(field_name="owner_id")
    # On the end of validity as the one rule gives it (`validity_end`: the item's own end, or
    # the renewal period of the requirement it answers), not only the item's own `valid_until`.
    valid_until_before = date_filter("validity_end", "lte")
    valid_until_after = date_filter("validity_end", "gte")
    effective_before = date_filter("effective_date", "lte")
    effective_after = date_filter("effective_date", "gte")
    updated_before = date_filter("updated_at", "date__lte")
    updated_after = date_filter("updated_at", "date__gte")
    superseded = django_filters.BooleanFilter(field_name="superseded")
    q = SearchFilter()
    reference = django_filters.CharFilter(method="by_reference",
                                          label="stable reference (EV-000123)")

    class Meta:
        model = EvidenceItem
        fields = ["organization", "status", "kind", "file_check", "tag", "owner"]

    def filter_queryset(self, queryset):
        """Every other filter first, the words last: a search ranks the first
        `search.RANKED_AT_MOST` matches, to be found among the items the filters keep (a
        subclass's filters, such as `requirement`, are declared after `q`)."""
        words = self.form.cleaned_data.get("q")
        others = {name: value for name, value in self.form.cleaned_data.items() if name != "q"}
        for name, value in others.items():
            queryset = self.filters[name].filter(queryset, value)
        return self.filters["q"].filter(queryset, words)

    def by_reference(self, queryset, name, value):
        from ..references import parse_reference

        evidence_id = parse_reference(value)
        return queryset.none() if evidence_id is None else queryset.filter(pk=evidence_id)


class RankedOrderingFilter(OrderingFilter):
    """`ordering` as asked; when none is asked (or none valid), a searched list stays best
    first (its `search_rank` annotation says it was searched), any other takes the view's
    default."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",")]
            ordering = self.remove_invalid_fields(queryset, fields, view, request)
            if ordering:
                return ordering
        if "search_rank" in queryset.query.annotations:
            return None
        return self.get_default_ordering(view)


def page_matches(items, text: str | None) -> dict:
    """item id -> `search.Excerpt` for the items of one page of results of the words `text`
    (already validated by `SearchFilter`); one query for the page."""
    if not text or not items:
        return {}
    try:
        query = search.parse(text)
    except search.QueryRefused:
        return {}
    return search.excerpts([item.pk for item in items], query)


class RevisionFilter(django_filters.FilterSet):
    evidence = IdFilter(field_name="evidence_id")

    class Meta:
        model = Revision
        fields = ["evidence", "verification_status", "is_current"]
