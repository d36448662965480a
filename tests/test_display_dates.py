"""Dates as pages show them: machine dates first, then the visible forms of Arabic news sites."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from khabar_crawler.text.dates import MONTHS, parse_display_date

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
RIYADH = ZoneInfo("Asia/Riyadh")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


MACHINE = [
    ("ISO with offset", "2024-07-18T13:40:00+03:00", at(2024, 7, 18, 10, 40)),
    ("ISO Z", "2024-07-18T10:40:00Z", at(2024, 7, 18, 10, 40)),
    ("ISO date", "2024-07-18", at(2024, 7, 18)),
    ("RFC 822", "Thu, 18 Jul 2024 10:40:00 +0000", at(2024, 7, 18, 10, 40)),
    ("ISO inside text", "تاريخ النشر: 2024-07-18T13:40:00+03:00", at(2024, 7, 18, 10, 40)),
    # parse_datetime reads RFC 822-looking text but drops PM and GMT+3: those are read here
    ("RFC 822 with PM", "Sun, 12 May 2024 02:30 PM", at(2024, 5, 12, 14, 30)),
    ("RFC 822 with GMT+3", "18 Jul 2024 10:00 GMT+3", at(2024, 7, 18, 7, 0)),
]

MONTH_NAMES = [
    ("Egyptian month", "18 يوليو 2024", at(2024, 7, 18)),
    ("month with hamza", "3 أبريل 2023", at(2023, 4, 3)),
    ("Egyptian يونيه", "5 يونيه 2024", at(2024, 6, 5)),
    ("Levantine month, Arabic-Indic digits", "١٨ تموز ٢٠٢٤", at(2024, 7, 18)),
    ("Levantine آب", "3 آب 2024", at(2024, 8, 3)),
    ("Levantine آذار", "3 آذار 2024", at(2024, 3, 3)),
    ("two-word month", "1 تشرين الثاني 2024", at(2024, 11, 1)),
    ("كانون الثاني", "9 كانون الثاني 2024", at(2024, 1, 9)),
    ("تشرين الأول", "9 تشرين الأول 2024", at(2024, 10, 9)),
    ("two-word month without article", "9 تشرين أول 2024", at(2024, 10, 9)),
    ("Maghrebi جانفي", "8 جانفي 2019", at(2019, 1, 8)),
    ("Maghrebi فيفري", "8 فيفري 2019", at(2019, 2, 8)),
    ("Maghrebi أفريل", "8 أفريل 2019", at(2019, 4, 8)),
    ("Maghrebi ماي", "8 ماي 2019", at(2019, 5, 8)),
    ("Maghrebi جوان", "8 جوان 2019", at(2019, 6, 8)),
    ("Maghrebi جويلية", "8 جويلية 2019", at(2019, 7, 8)),
    ("Maghrebi أوت", "8 أوت 2019", at(2019, 8, 8)),
    ("Moroccan يوليوز", "8 يوليوز 2019", at(2019, 7, 8)),
    ("Moroccan غشت", "8 غشت 2019", at(2019, 8, 8)),
    ("Moroccan شتنبر", "8 شتنبر 2019", at(2019, 9, 8)),
    ("Moroccan نونبر", "8 نونبر 2019", at(2019, 11, 8)),
    ("Moroccan دجنبر", "8 دجنبر 2019", at(2019, 12, 8)),
    ("Persian letters and digits", "۸ جانفی ۲۰۱۹", at(2019, 1, 8)),
    ("month first", "يوليو 18، 2024", at(2024, 7, 18)),
    ("English", "18 July 2024", at(2024, 7, 18)),
    ("English month first", "Thursday, July 18, 2024", at(2024, 7, 18)),
    ("English abbreviation", "Jul. 18, 2024", at(2024, 7, 18)),
    ("French", "8 février 2019", at(2019, 2, 8)),
    ("French 1er and août", "1er août 2019", at(2019, 8, 1)),
]

DOUBLE_NAMES = [
    ("slash", "18 تموز/يوليو 2024", at(2024, 7, 18)),
    ("slash with spaces", "18 تموز / يوليو 2024", at(2024, 7, 18)),
    ("brackets after", "18 يوليو (تموز) 2024", at(2024, 7, 18)),
    ("brackets, Levantine first", "18 تموز (يوليو) 2024", at(2024, 7, 18)),
]

NOISE = [
    ("weekday", "الجمعة 8 فيفري 2019", at(2019, 2, 8)),
    ("weekday, comma, time, pm", "الأحد، 12 مايو 2024 02:30 م", at(2024, 5, 12, 14, 30)),
    ("Arabic comma before year", "18 يوليو، 2024", at(2024, 7, 18)),
    ("published on", "نشر في: الجمعة 8 فيفري 2019 - 10:15", at(2019, 2, 8, 10, 15)),
    ("last updated", "آخر تحديث: الأحد 12 مايو 2024 | 09:40", at(2024, 5, 12, 9, 40)),
    ("publication date, y/m/d, midnight", "تاريخ النشر 2024/05/13 12:00 ص", at(2024, 5, 13)),
    ("with time", "نشر في 18 يوليو 2024 - 14:05", at(2024, 7, 18, 14, 5)),
    ("Moroccan على الساعة", "5 ماي 2024 على الساعة 10:30", at(2024, 5, 5, 10, 30)),
    ("era marker after year", "8 فيفري 2019 م - الساعة 10:15", at(2019, 2, 8, 10, 15)),
    ("Hijri date before", "11 ذو الحجة 1445 هـ الموافق 17 يونيو 2024", at(2024, 6, 17)),
    ("numeric Hijri before", "1445/12/11 هـ - 2024/06/17 م", at(2024, 6, 17)),
    ("invisible marks", "\u200f18/07/2024\u200f", at(2024, 7, 18)),
    ("tashkeel", "١٨ يُولْيُو ٢٠٢٤", at(2024, 7, 18)),
]

NUMERIC = [
    ("d/m/y", "18/07/2024", at(2024, 7, 18)),
    ("d-m-y", "18-07-2024", at(2024, 7, 18)),
    ("d.m.y", "18.07.2024", at(2024, 7, 18)),
    ("d/m/y one digit", "8/7/2024", at(2024, 7, 8)),
    ("day first when both could be months", "05/07/2024", at(2024, 7, 5)),
    ("y/m/d", "2024/07/18", at(2024, 7, 18)),
    ("y.m.d", "2024.07.18", at(2024, 7, 18)),
    ("Arabic-Indic digits", "١٨/٠٧/٢٠٢٤", at(2024, 7, 18)),
    ("Persian digits", "۱۸/۰۷/۲۰۲۴", at(2024, 7, 18)),
]

TIMES = [
    ("24h", "18/07/2024 14:05", at(2024, 7, 18, 14, 5)),
    ("seconds", "18/07/2024 14:05:30", datetime(2024, 7, 18, 14, 5, 30, tzinfo=UTC)),
    ("Arabic-Indic time", "١٨/٠٧/٢٠٢٤ ١٤:٠٥", at(2024, 7, 18, 14, 5)),
    ("م is pm", "18 يوليو 2024 02:05 م", at(2024, 7, 18, 14, 5)),
    ("م attached", "18/07/2024 02:05م", at(2024, 7, 18, 14, 5)),
    ("ص is am", "18/07/2024 09:05 ص", at(2024, 7, 18, 9, 5)),
    ("12 ص is midnight", "18/07/2024 12:30 ص", at(2024, 7, 18, 0, 30)),
    ("12 م is noon", "18/07/2024 12:30 م", at(2024, 7, 18, 12, 30)),
    ("مساءً", "18/07/2024 08:15 مساءً", at(2024, 7, 18, 20, 15)),
    ("صباحاً", "18/07/2024 08:15 صباحاً", at(2024, 7, 18, 8, 15)),
    ("ظهراً", "18/07/2024 01:30 ظهراً", at(2024, 7, 18, 13, 30)),
    ("PM", "18/07/2024 2:05 PM", at(2024, 7, 18, 14, 5)),
    ("a.m.", "July 18, 2024 12:05 a.m.", at(2024, 7, 18, 0, 5)),
    ("French 14h05", "18 juillet 2024 à 14h05", at(2024, 7, 18, 14, 5)),
    ("time before the date", "14:05 - الخميس 18 يوليو 2024", at(2024, 7, 18, 14, 5)),
    ("offset", "18/07/2024 14:05 +03:00", at(2024, 7, 18, 11, 5)),
    ("GMT", "18/07/2024 14:05 GMT", at(2024, 7, 18, 14, 5)),
    ("بتوقيت غرينتش", "18/07/2024 14:05 بتوقيت غرينتش", at(2024, 7, 18, 14, 5)),
    ("بتوقيت مكة المكرمة", "18/7/2024 14:05 (بتوقيت مكة المكرمة)", at(2024, 7, 18, 11, 5)),
]

RELATIVE = [
    ("two hours ago", "منذ ساعتين", NOW - timedelta(hours=2)),
    ("two hours ago, قبل", "قبل ساعتين", NOW - timedelta(hours=2)),
    ("3 hours ago", "منذ 3 ساعات", NOW - timedelta(hours=3)),
    ("3 hours ago, قبل", "قبل 3 ساعات", NOW - timedelta(hours=3)),
    ("an hour ago", "منذ ساعة", NOW - timedelta(hours=1)),
    ("15 minutes, singular after 10", "منذ 15 دقيقة", NOW - timedelta(minutes=15)),
    ("minutes ago, Arabic digits", "منذ ٥ دقائق", NOW - timedelta(minutes=5)),
    ("count in words", "منذ ثلاث ساعات", NOW - timedelta(hours=3)),
    ("about", "منذ حوالي ساعتين", NOW - timedelta(hours=2)),
    ("seconds", "منذ 30 ثانية", NOW - timedelta(seconds=30)),
    ("two days ago", "منذ يومين", NOW - timedelta(days=2)),
    ("two days ago, قبل", "قبل يومين", NOW - timedelta(days=2)),
    ("a week ago", "منذ أسبوع", NOW - timedelta(weeks=1)),
    ("a month is 30 days", "قبل شهر", NOW - timedelta(days=30)),
    ("two months are 60 days", "منذ شهرين", NOW - timedelta(days=60)),
    ("a year is 365 days", "منذ عام", NOW - timedelta(days=365)),
    ("just now", "الآن", NOW),
    ("a moment ago", "منذ قليل", NOW),
    ("yesterday", "أمس", NOW - timedelta(days=1)),
    ("yesterday without hamza", "امس", NOW - timedelta(days=1)),
    ("yesterday with time", "أمس 14:05", at(2026, 11, 19, 14, 5)),
    ("yesterday with الساعة and pm", "أمس الساعة 10:15 م", at(2026, 11, 19, 22, 15)),
    ("day before yesterday", "أول أمس", NOW - timedelta(days=2)),
    ("today with time", "اليوم 14:05", at(2026, 11, 20, 14, 5)),
    ("today with time and noise", "نشر اليوم، 09:30 ص", at(2026, 11, 20, 9, 30)),
    ("English hours ago", "3 hours ago", NOW - timedelta(hours=3)),
    ("English an hour ago", "an hour ago", NOW - timedelta(hours=1)),
    ("English yesterday", "yesterday 10:15", at(2026, 11, 19, 10, 15)),
    ("French il y a", "il y a 3 heures", NOW - timedelta(hours=3)),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [c[1:] for c in MACHINE + MONTH_NAMES + DOUBLE_NAMES + NOISE + NUMERIC + TIMES + RELATIVE],
    ids=[c[0] for c in MACHINE + MONTH_NAMES + DOUBLE_NAMES + NOISE + NUMERIC + TIMES + RELATIVE],
)
def test_parse_display_date(text: str, expected: datetime) -> None:
    assert parse_display_date(text, now=NOW) == expected


@pytest.mark.parametrize(
    ("name", "month"),
    [
        ("جانفي", 1),
        ("فيفري", 2),
        ("مارس", 3),
        ("أفريل", 4),
        ("ماي", 5),
        ("جوان", 6),
        ("جويلية", 7),
        ("أوت", 8),
        ("سبتمبر", 9),
        ("أكتوبر", 10),
        ("نوفمبر", 11),
        ("ديسمبر", 12),
        ("يناير", 1),
        ("فبراير", 2),
        ("أبريل", 4),
        ("يونيو", 6),
        ("يوليوز", 7),
        ("غشت", 8),
        ("شتنبر", 9),
        ("نونبر", 11),
        ("دجنبر", 12),
        ("كانون الثاني", 1),
        ("شباط", 2),
        ("آذار", 3),
        ("نيسان", 4),
        ("أيار", 5),
        ("حزيران", 6),
        ("تموز", 7),
        ("آب", 8),
        ("أيلول", 9),
        ("تشرين الأول", 10),
        ("تشرين الثاني", 11),
        ("كانون الأول", 12),
    ],
)
def test_month_names(name: str, month: int) -> None:
    """Every Maghrebi, Moroccan and Levantine name, as written (hamza, madda, ة), in a date."""
    assert parse_display_date(f"1 {name} 2020") == at(2020, month, 1)


def test_month_table_is_normalised() -> None:
    """The table holds search forms only (no hamza on alef, no ة), so lookups cannot miss."""
    assert not [m for m in MONTHS if set(m) & set("أإآة")]


def test_site_timezone_for_visible_dates() -> None:
    """A visible date without a zone is in the site's zone."""
    assert parse_display_date("18 يوليو 2024 14:05", tz=RIYADH) == at(2024, 7, 18, 11, 5)


def test_iso_offset_wins_over_site_timezone() -> None:
    """A machine date keeps its own offset whatever the site's zone."""
    assert parse_display_date("2024-07-18T14:05:00+01:00", tz=RIYADH) == at(2024, 7, 18, 13, 5)


def test_named_zone_is_kept() -> None:
    """An explicit offset in the text gives an aware datetime in that offset."""
    parsed = parse_display_date("18/07/2024 14:05 +03:00", tz=RIYADH)
    assert parsed is not None and parsed.utcoffset() == timezone(timedelta(hours=3)).utcoffset(None)


def test_today_is_the_site_day() -> None:
    """ "اليوم"/"أمس" with a time count days in the site's zone, not in UTC."""
    late = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)  # already 21 November in Riyadh
    assert parse_display_date("أمس 14:05", now=late, tz=RIYADH) == datetime(
        2026, 11, 20, 14, 5, tzinfo=RIYADH
    )


def test_naive_now_is_taken_in_site_zone() -> None:
    assert parse_display_date("منذ ساعتين", now=datetime(2026, 11, 20, 12, 0)) == NOW - timedelta(hours=2)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "غير معروف",
        "32 يوليو 2024",
        "31 فيفري 2019",
        "29/02/2023",
        "07/18/2024",
        "18/07/2024 25:00",
        "18 تموز/أغسطس 2024",
        "1445/12/11 هـ",
        "11 ذو الحجة 1445 هـ",
        "يوليو 2024",
        "14:05",
        "اليوم",
        "اليوم السابع",
        "منذ ساعات",
    ],
)
def test_unparseable(text: str) -> None:
    """Garbage, impossible dates, Hijri-only dates, vague and partial forms give None."""
    assert parse_display_date(text, now=NOW) is None


@pytest.mark.parametrize("text", ["منذ ساعتين", "قبل 3 ساعات", "أمس", "أمس 14:05", "اليوم 14:05", "الآن"])
def test_relative_needs_now(text: str) -> None:
    assert parse_display_date(text) is None
