"""Where each file stands in the ZIP: a folder per referential, chapter and requirement, and a
file named with the requirement's clause and the evidence's title. Every part is sanitised
(no path separators, control or invisible characters, leading dots) and bounded in length, and
every path is unique in the pack."""

from evidence.filetypes import extension_of, sanitise_name

PART_LENGTH = 80  # characters per folder or file name (file systems take 255 bytes)


def part(text: str, limit: int = PART_LENGTH) -> str:
    """One folder or file name from free text; "_" when nothing printable is left."""
    name = sanitise_name(text)[:limit].rstrip(" .")
    return name or "_"


def file_name(ref_id: str, title: str, original: str, several: bool) -> str:
    """"4.1 Title.pdf", or "4.1 Title - original.pdf" when the revision holds several files."""
    ext = extension_of(original)
    suffix = f".{ext}" if ext else ""
    stem = f"{ref_id} {title}"
    if several:
        original_stem = original[:-len(suffix)] if suffix else original
        stem = f"{stem} - {original_stem}"
    return part(stem, PART_LENGTH - len(suffix)) + suffix


class UniquePaths:
    """Hands out paths, adding " (2)", " (3)"... before the extension of one already given
    (compared without case: extracted on a case-insensitive file system, both must stay)."""

    def __init__(self, reserved=()):
        self.taken = {path.casefold() for path in reserved}

    def claim(self, folder: str, name: str) -> str:
        stem, dot, ext = name.rpartition(".")
        if not dot or not stem:
            stem, dot, ext = name, "", ""
        candidate, count = f"{folder}/{name}", 1
        while candidate.casefold() in self.taken:
            count += 1
            candidate = f"{folder}/{stem} ({count}){dot}{ext}"
        self.taken.add(candidate.casefold())
        return candidate
