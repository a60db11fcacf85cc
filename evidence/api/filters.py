import django_filters

from audit_prep.api.filters import IdFilter
from audit_prep.validators import validate_date_range

from ..models import EvidenceItem, EvidenceKind, EvidenceStatus, FilesState, Revision


class EvidenceFilter(django_filters.FilterSet):
    organization = IdFilter(field_name="organization_id")
    status = django_filters.MultipleChoiceFilter(choices=EvidenceStatus.choices)
    kind = django_filters.ChoiceFilter(choices=EvidenceKind.choices)
    file_check = django_filters.ChoiceFilter(choices=FilesState.choices)
    tag = django_filters.CharFilter(field_name="tags__name", distinct=True)
    owner = IdFilter(field_name="owner_id")
    # On the end of validity as the one rule gives it (`validity_end`: the item's own end, or
    # the renewal period of the requirement it answers), not only the item's own `valid_until`.
    valid_until_before = django_filters.DateFilter(
        field_name="validity_end", lookup_expr="lte", validators=[validate_date_range])
    valid_until_after = django_filters.DateFilter(
        field_name="validity_end", lookup_expr="gte", validators=[validate_date_range])
    superseded = django_filters.BooleanFilter(field_name="superseded")
    q = django_filters.CharFilter(method="search", label="text in title or description")
    reference = django_filters.CharFilter(method="by_reference",
                                          label="stable reference (EV-000123)")

    class Meta:
        model = EvidenceItem
        fields = ["organization", "status", "kind", "file_check", "tag", "owner"]

    def by_reference(self, queryset, name, value):
        from ..references import parse_reference

        evidence_id = parse_reference(value)
        return queryset.none() if evidence_id is None else queryset.filter(pk=evidence_id)

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))


class RevisionFilter(django_filters.FilterSet):
    evidence = IdFilter(field_name="evidence_id")

    class Meta:
        model = Revision
        fields = ["evidence", "verification_status", "is_current"]
