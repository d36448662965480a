"""Date parsing for machine-readable dates: ISO 8601 and RFC 822 (feeds)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

UTC = ZoneInfo("UTC")


def parse_datetime(value: str | None, default_tz: tzinfo = UTC) -> datetime | None:
    """Parse an ISO 8601 or RFC 822 date; naive values are taken in ``default_tz``."""
    if not value:
        return None
    text = value.strip()
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed


def iso_datetime(value: str | None, default_tz: tzinfo = UTC) -> str | None:
    """ISO 8601 text with its UTC offset, or None when ``value`` is not a date."""
    parsed = parse_datetime(value, default_tz)
    return parsed.isoformat() if parsed else None
