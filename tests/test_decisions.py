"""The decision records stay findable: one number per decision, its title line carrying that
number, and every one listed in the index (docs/decisions/README.md). Several people land
decisions at the same time; a number taken twice or a record left out of the index fails here."""

import re
from collections import Counter
from pathlib import Path

DECISIONS = Path(__file__).resolve().parent.parent / "docs" / "decisions"
RECORD = re.compile(r"^(\d{4})-[a-z0-9-]+\.md$")


def _records() -> list[Path]:
    return sorted(path for path in DECISIONS.iterdir() if RECORD.match(path.name))


def test_each_number_is_taken_once():
    numbers = Counter(RECORD.match(path.name).group(1) for path in _records())
    assert [number for number, count in numbers.items() if count > 1] == []


def test_each_record_titles_itself_with_its_number():
    wrong = [path.name for path in _records()
             if not path.read_text(encoding="utf-8").startswith(f"# {path.name[:4]} ")]
    assert wrong == []


def test_the_index_lists_every_record():
    index = (DECISIONS / "README.md").read_text(encoding="utf-8")
    assert [path.name for path in _records() if f"]({path.name})" not in index] == []
