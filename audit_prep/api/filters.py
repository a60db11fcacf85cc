"""Filters on foreign keys take plain ids and never look them up: an id of another structure
and an id that does not exist give the same (empty) answer, so filters reveal nothing."""

import django_filters


def id_filterset(model, id_fields=(), fields=()):
    """A FilterSet for `model` with a NumberFilter per foreign key in `id_fields` (on the raw
    `<name>_id` column) and django-filter's defaults for the plain `fields`."""
    attrs = {name: django_filters.NumberFilter(field_name=f"{name}_id") for name in id_fields}
    meta = type("Meta", (), {"model": model, "fields": list(fields)})
    return type(f"{model.__name__}IdFilterSet", (django_filters.FilterSet,),
                {**attrs, "Meta": meta})
