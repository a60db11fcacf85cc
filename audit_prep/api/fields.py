from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import access, text
from ..roles import Action
from ..text import validate_text
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

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except OverflowError:  # SQLite cannot even compare an id past 64 bits: none has it
            self.fail("does_not_exist", pk_value=data)


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


# The style DRF gives a model's TextField: the mark of multi-line text (line breaks and tabs
# allowed). Plain serializers' multi-line fields say it too: `CharField(style=MULTILINE)`.
MULTILINE = {"base_template": "textarea.html"}


class SafeTextValidator:
    """`audit_prep.text.validate_text` on a DRF text field: single-line unless the field has the
    MULTILINE style; passwords are left alone (whatever a person chose to type)."""

    requires_context = True

    def __call__(self, value, serializer_field):
        style = serializer_field.style or {}
        if style.get("input_type") == "password":
            return
        name = serializer_field.field_name or getattr(serializer_field.parent, "field_name", "")
        try:
            validate_text(value, name, multiline=style.get("base_template") == "textarea.html")
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code=text.CODE) from error

    def __eq__(self, other):
        return isinstance(other, SafeTextValidator)

    def __hash__(self):
        return hash(SafeTextValidator)


def install_text_rule() -> None:
    """Put the text rule on every DRF CharField (and its subclasses), model-derived or
    declared, of every serializer present and to come. DRF has no setting for its text field
    class; `CharField.__init__` reads `default_validators` each time a field is built (declared
    fields are rebuilt per serializer instance)."""
    serializers.CharField.default_validators = [SafeTextValidator()]  # type: ignore[misc]
