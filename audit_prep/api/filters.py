"""Filters on foreign keys take plain ids and never look them up: an id of another structure
and an id that does not exist give the same (empty) answer, so filters reveal nothing."""

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

# The largest id a database key holds (64-bit signed); larger ones are refused (400), never
# compared (SQLite cannot even convert them).
MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A filter on an id: a whole number from 1 to MAX_ID (`validation_error` otherwise)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


def id_filterset(model, id_fields=(), fields=()):
    """A FilterSet for `model` with an IdFilter per foreign key in `id_fields` (on the raw
    `<name>_id` column) and django-filter's defaults for the plain `fields`."""
    attrs = {name: IdFilter(field_name=f"{name}_id") for name in id_fields}
    meta = type("Meta", (), {"model": model, "fields": list(fields)})
    return type(f"{model.__name__}IdFilterSet", (django_filters.FilterSet,),
                {**attrs, "Meta": meta})
