"""The language a person is written to in (e-mails, notifications, calendar feed): their
preference (`UserPreference.language`) when it is one the site speaks, else the site's default
(French)."""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist


def supported_language(code: str | None) -> str:
    """`code` when the site speaks it, else the site's default language."""
    codes = {language for language, _name in settings.LANGUAGES}
    return code if code in codes else settings.LANGUAGE_CODE


def language_of(user) -> str:
    """The language of `user` (a preference not created yet means the default)."""
    try:
        code = user.preference.language
    except ObjectDoesNotExist:
        code = None
    return supported_language(code)
