"""Dates as pages show them: ISO first, Arabic month names, relative forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from khabar_crawler.dates import parse_display_date

UTC = UTC
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

CASES = [
    ("ISO with offset", "2024-07-18T13:40:00+03:00", datetime(2024, 7, 18, 10, 40, tzinfo=UTC)),
    ("ISO Z", "2024-07-18T10:40:00Z", datetime(2024, 7, 18, 10, 40, tzinfo=UTC)),
    ("RFC 822", "Thu, 18 Jul 2024 10:40:00 +0000", datetime(2024, 7, 18, 10, 40, tzinfo=UTC)),
    ("Egyptian month", "18 يوليو 2024", datetime(2024, 7, 18, tzinfo=UTC)),
    ("month with hamza", "3 أبريل 2023", datetime(2023, 4, 3, tzinfo=UTC)),
    ("Levantine month", "١٨ تموز ٢٠٢٤", datetime(2024, 7, 18, tzinfo=UTC)),
    ("two-word month", "1 تشرين الثاني 2024", datetime(2024, 11, 1, tzinfo=UTC)),
    ("with time", "نشر في 18 يوليو 2024 - 14:05", datetime(2024, 7, 18, 14, 5, tzinfo=UTC)),
    ("evening marker", "18 يوليو 2024 02:05 م", datetime(2024, 7, 18, 14, 5, tzinfo=UTC)),
    ("two hours ago", "منذ ساعتين", NOW - timedelta(hours=2)),
    ("3 hours ago", "منذ 3 ساعات", NOW - timedelta(hours=3)),
    ("an hour ago", "منذ ساعة", NOW - timedelta(hours=1)),
    ("minutes ago, Arabic digits", "منذ ٥ دقائق", NOW - timedelta(minutes=5)),
    ("two days ago", "منذ يومين", NOW - timedelta(days=2)),
    ("a week ago", "منذ أسبوع", NOW - timedelta(weeks=1)),
    ("yesterday", "أمس", NOW - timedelta(days=1)),
]


@pytest.mark.parametrize(("case", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_parse_display_date(case: str, text: str, expected: datetime) -> None:
    assert parse_display_date(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["", "غير معروف", "32 يوليو 2024", "منذ ساعتين"])
def test_unparseable_or_unanchored(text: str) -> None:
    """Garbage, impossible dates, and relative forms without a fetch time give None."""
    assert parse_display_date(text, now=None if "منذ" in text else NOW) is None
