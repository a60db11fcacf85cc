"""Validators for French identifiers, and the range of dates the service accepts."""

import datetime

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


# Dates given to the API (effective dates, validity, retention, reviews, filters) stay in a
# range where nothing can overflow: a renewal period (at most 600 months) added to the latest
# date stays far below year 9999, and every database accepts the value.
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2199, 12, 31)
# Offsets in use on Earth run from UTC-12:00 to UTC+14:00; PostgreSQL refuses larger ones.
_UTC_OFFSETS = (datetime.timedelta(hours=-12), datetime.timedelta(hours=14))


def validate_date_range(value: datetime.date) -> None:
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            _("Choose a date between %(start)s and %(end)s."), code="date_out_of_range",
            params={"start": EARLIEST_DATE.isoformat(), "end": LATEST_DATE.isoformat()})


def validate_datetime_range(value: datetime.datetime) -> None:
    """A date and time in the date range, with a real UTC offset (-12:00 to +14:00)."""
    offset = value.utcoffset()
    if offset is not None and not _UTC_OFFSETS[0] <= offset <= _UTC_OFFSETS[1]:
        raise ValidationError(_("The UTC offset must be between -12:00 and +14:00."),
                              code="utc_offset_out_of_range")
    validate_date_range(value)
