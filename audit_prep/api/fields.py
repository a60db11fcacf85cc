from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import access
from ..roles import Action
from ..validators import validate_date_range
from .filters import MAX_ID


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A foreign key input that only resolves objects visible to the requesting user, so that
    another structure's ids are answered exactly like ids that do not exist."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        return access.scope(self.model.objects.all(), self.context["request"].user, Action.VIEW)


class CreateOnlyFieldsMixin(serializers.Serializer):
    """Serializer fields settable on create only (e.g. the owning structure): read-only when
    the serializer updates an existing object, so nothing moves to another structure."""

    create_only_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            for name in self.create_only_fields:
                self.fields[name].read_only = True


def username_field(allow_null: bool = False) -> serializers.SlugRelatedField:
    """A person shown by their username, read only (who created, approved, decided...); null
    where nobody did yet (`allow_null`)."""
    return serializers.SlugRelatedField(slug_field="username", read_only=True,
                                        allow_null=allow_null)


class BoundedDateField(serializers.DateField):
    """A date input between EARLIEST_DATE and LATEST_DATE (`date_out_of_range` otherwise)."""

    default_validators = [validate_date_range]
