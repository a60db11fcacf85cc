"""The one rule for characters that never belong in names or free text: control characters (C0,
DEL, C1), invisible format characters (bidirectional overrides and isolates such as U+202E,
zero-width characters, byte order marks), lone surrogates and private-use characters. They let a
title read differently from what it holds ("facture\u202efdp.exe" shows as "facturexe.pdf") or
break the files it is exported to.

File names drop them (`evidence.filetypes.sanitise_name`); free text is refused with them
(`validate_text`, on every API text field through `audit_prep.api.fields`, and in the imports of
member and requirement lists); exports strip them from rows written before the rule
(`strip_unsafe`).
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co"})
# Line breaks and tabs are the writing of multi-line text (a browser sends "\r\n").
MULTILINE_ALLOWED = frozenset("\n\r\t")
CODE = "control_characters"


def is_unsafe(char: str, allowed: frozenset[str] = frozenset()) -> bool:
    return char not in allowed and unicodedata.category(char) in UNSAFE_CATEGORIES


def first_unsafe(value: str, multiline: bool = False) -> tuple[int, str] | None:
    """(position, character) of the first unsafe character of `value`, None when it has none."""
    allowed = MULTILINE_ALLOWED if multiline else frozenset()
    return next(((index, char) for index, char in enumerate(value) if is_unsafe(char, allowed)),
                None)


def strip_unsafe(value: str, keep_lines: bool = True) -> str:
    """`value` without its unsafe characters (line breaks and tabs kept unless `keep_lines` is
    False): what exports write for rows stored before the rule."""
    allowed = MULTILINE_ALLOWED if keep_lines else frozenset()
    return "".join(char for char in value if not is_unsafe(char, allowed))


def unsafe_message(field: str, position: int, char: str) -> str:
    return str(_("The field \"%(field)s\" contains an invisible control or formatting character "
                 "(U+%(code)04X, character %(position)d); remove it and send it again.")
               % {"field": field, "code": ord(char), "position": position + 1})


def validate_text(value, field: str, multiline: bool = False) -> None:
    """Refuse `value` when it holds an unsafe character, naming `field` (code
    `control_characters`)."""
    found = first_unsafe(value, multiline) if isinstance(value, str) else None
    if found is not None:
        raise ValidationError(unsafe_message(field, *found), code=CODE)
