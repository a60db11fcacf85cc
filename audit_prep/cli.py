"""Small helpers shared by the management commands."""

import argparse
import datetime


def iso_date(value: str) -> datetime.date:
    """argparse type for a YYYY-MM-DD date."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {value!r}") from exc
