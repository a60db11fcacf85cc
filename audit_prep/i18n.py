"""Which language to write in: the one a person reads (e-mails, notifications, calendar feed),
their preference (`UserPreference.language`), or the active one (a request's, for pages, exports
and localized names), always reduced to a language the site speaks (French by default)."""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import get_language


def supported_language(code: str | None) -> str:
    """`code` (or its base language: "en-gb" -> "en") when the site speaks it, else the site's
    default language."""
    codes = {language for language, _name in settings.LANGUAGES}
    base = (code or "").split("-")[0]
    return code if code in codes else base if base in codes else settings.LANGUAGE_CODE


def active_language() -> str:
    """The active language (the request's, or the one a `translation.override` set)."""
    return supported_language(get_language())


def language_of(user) -> str:
    """The language of `user` (a preference not created yet means the default)."""
    try:
        code = user.preference.language
    except ObjectDoesNotExist:
        code = None
    return supported_language(code)
