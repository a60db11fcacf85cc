"""Validators for French identifiers."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# La Poste's establishments share SIREN 356000000 and use a digit-sum rule instead of Luhn.
_LA_POSTE_SIREN = "356000000"


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_siret(value: str) -> None:
    """A SIRET is 14 digits whose Luhn key is valid (La Poste: digit sum divisible by 5)."""
    if not value:
        return
    if len(value) != 14 or not value.isascii() or not value.isdigit():
        raise ValidationError(_("A SIRET has exactly 14 digits."), code="siret_format")
    if value.startswith(_LA_POSTE_SIREN) and value != _LA_POSTE_SIREN + "00048":
        valid = sum(int(c) for c in value) % 5 == 0
    else:
        valid = luhn_valid(value)
    if not valid:
        raise ValidationError(
            _("This SIRET's check key is wrong: check the number."), code="siret_key"
        )
