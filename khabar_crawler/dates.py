"""Dates as pages show them: ISO 8601 first, then Arabic month names and relative forms.

Used by the clean pipeline for pages whose only date is visible text ("18 يوليو 2024",
"١٨ تموز ٢٠٢٤ - 14:05", "منذ ساعتين", "أمس"). Relative forms need the fetch time.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

from khabar_crawler.extract.dates import UTC, parse_datetime
from khabar_crawler.textnorm import search_form

#: Gregorian month names: Egyptian/Gulf (يناير...) and Levantine/Iraqi (كانون الثاني...),
#: in their search form (hamza-less alef, ه for ة).
MONTHS: dict[str, int] = {
    "يناير": 1,
    "فبراير": 2,
    "مارس": 3,
    "ابريل": 4,
    "مايو": 5,
    "يونيو": 6,
    "يونيه": 6,
    "يوليو": 7,
    "يوليه": 7,
    "اغسطس": 8,
    "سبتمبر": 9,
    "اكتوبر": 10,
    "نوفمبر": 11,
    "ديسمبر": 12,
    "كانون الثاني": 1,
    "شباط": 2,
    "اذار": 3,
    "نيسان": 4,
    "ايار": 5,
    "حزيران": 6,
    "تموز": 7,
    "اب": 8,
    "ايلول": 9,
    "تشرين الاول": 10,
    "تشرين الثاني": 11,
    "كانون الاول": 12,
}
_MONTH_ALTERNATION = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
_ABSOLUTE = re.compile(
    rf"(?P<day>\d{{1,2}})\s+(?:/\s*)?(?P<month>{_MONTH_ALTERNATION})\s*(?:/\s*)?,?\s*(?P<year>\d{{4}})"
    r"(?:\D{0,12}?(?P<hour>\d{1,2}):(?P<minute>\d{2})(?:\s*(?P<ampm>ص|م|am|pm))?)?"
)
_UNITS = {
    "ثانيه": "seconds",
    "ثانيتين": "seconds",
    "ثوان": "seconds",
    "ثواني": "seconds",
    "دقيقه": "minutes",
    "دقيقتين": "minutes",
    "دقائق": "minutes",
    "ساعه": "hours",
    "ساعتين": "hours",
    "ساعات": "hours",
    "يوم": "days",
    "يومين": "days",
    "ايام": "days",
    "اسبوع": "weeks",
    "اسبوعين": "weeks",
    "اسابيع": "weeks",
}
_RELATIVE = re.compile(
    r"منذ\s+(?:(?P<count>\d+)\s+)?(?P<unit>" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")"
)


def parse_display_date(text: str | None, now: datetime | None = None, tz: tzinfo = UTC) -> datetime | None:
    """Parse a date as a page shows it; ``now`` (the fetch time) anchors relative forms."""
    if not text or not text.strip():
        return None
    iso = parse_datetime(text, tz)
    if iso is not None:
        return iso
    form = search_form(text)
    match = _ABSOLUTE.search(form)
    if match:
        hour, minute = int(match["hour"] or 0), int(match["minute"] or 0)
        if match["ampm"] in ("م", "pm") and hour < 12:
            hour += 12
        elif match["ampm"] in ("ص", "am") and hour == 12:
            hour = 0
        try:
            return datetime(
                int(match["year"]), MONTHS[match["month"]], int(match["day"]), hour, minute, tzinfo=tz
            )
        except ValueError:
            return None
    if now is None:
        return None
    if re.search(r"(?:^|\s)(?:امس|البارحه)(?:\s|$)", form):
        return now - timedelta(days=1)
    if re.search(r"(?:^|\s)(?:الان|للتو)(?:\s|$)", form):
        return now
    match = _RELATIVE.search(form)
    if match:
        unit = match["unit"]
        count = int(match["count"]) if match["count"] else (2 if unit.endswith("ين") else 1)
        return now - timedelta(**{_UNITS[unit]: count})
    return None
