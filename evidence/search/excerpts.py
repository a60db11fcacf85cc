"""Excerpts shown under a search result: the words found, highlighted, in the file and on the
page where they were found (both engines mark them with START and STOP, escaped here)."""

import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

START, STOP = "\x02", "\x03"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Excerpt:
    """A few words around what matched; `page` only for files that have pages (PDF)."""

    html: SafeString
    file_id: int | None = None
    file_name: str = ""
    page: int | None = None


def marked_html(text: str) -> SafeString:
    """`text` with START/STOP around matches, as HTML: everything escaped but the marks."""
    text = _SPACES.sub(" ", text).strip()
    html = escape(text).replace(START, "<mark>").replace(STOP, "</mark>")
    if html.count("<mark>") != html.count("</mark>"):  # cut inside a match
        html = html.replace("<mark>", "").replace("</mark>", "")
    return mark_safe(html)  # noqa: S308 -- escaped above; only our own tags added


def window(text: str, words: int = 30) -> str:
    """About `words` words of `text` around its first mark, with ellipses where cut."""
    position = text.find(START)
    if position < 0:
        return ""
    before = text[:position].split()
    after = text[position:].split()
    keep_before = before[-(words // 3):] if words // 3 else []
    head = ("… " if len(before) > len(keep_before) else "") + " ".join(keep_before)
    rest = after[: words - len(keep_before)]
    tail = " …" if len(after) > len(rest) else ""
    return f"{head} {' '.join(rest)}{tail}".strip()
