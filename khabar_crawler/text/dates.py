"""Dates: machine-readable ones (ISO 8601, RFC 822), then as pages show them, in the visible
forms of Arabic news sites.

Used by the clean pipeline for pages whose only date is visible text. Everything is read
in the ``ar-v1`` search form (:func:`khabar_crawler.text.normalize.search_form`: hamza-less
alef, ه for ة, no tashkeel or tatweel, Arabic-Indic ٠–٩ and Persian ۰–۹ digits as ASCII,
Latin lower-cased), with Persian ی ک ھ read as ي ك ه and French accents dropped. Noise
around the date ("نشر في:", "آخر تحديث:", "تاريخ النشر", weekday names, the Arabic comma
``،``) is skipped: the date is searched for, not matched whole.

Machine dates
    :func:`parse_datetime` is tried first, so an ISO 8601 or
    RFC 822 string wins with its own offset. The exception is RFC 822-looking text with
    an am/pm marker or a named zone ("12 May 2024 02:30 PM", "... GMT+3"), which
    ``parse_datetime`` reads without them; those go through the rules below. An ISO
    timestamp inside other text ("تاريخ النشر: 2024-07-18T14:05:00+03:00") is read too.

Month names, day first or month first, year of four digits
    "18 يوليو 2024", "١٨ تموز ٢٠٢٤", "18 يوليو، 2024", "يوليو 18, 2024", "18 July 2024",
    "July 18, 2024", "8 février 2019". Names (:data:`MONTHS`): Egyptian/Gulf (يناير ...
    ديسمبر, يونيه, يوليه), Levantine/Iraqi (كانون الثاني ... كانون الأول, آب, also without
    the article: تشرين ثاني), Maghrebi/Francophone (جانفي فيفري مارس أفريل ماي جوان جويلية
    أوت ...), Moroccan (يوليوز غشت شتنبر نونبر دجنبر), English and French names and the
    usual abbreviations. Double names are read when both agree: "تموز/يوليو",
    "يوليو (تموز)", "18 تموز (يوليو) 2024".

Numeric dates
    "18/07/2024", "18-07-2024", "18.07.2024" are day first (d/m/y, as Arab sites write);
    "2024/07/18" (four-digit year first) is y/m/d. US month-first dates are not guessed:
    "07/18/2024" is an impossible day-first date and gives None.

Times
    "14:05", "14:05:30", "14h05"; with ص/م, صباحاً/مساءً, ظهراً (noon: 1–10 become
    13–22), AM/PM ("12:00 ص" is midnight, "12:00 م" noon). The time may follow the date
    or precede it, across separators ("-", "|", "،"), "الساعة", "في" and weekday names.
    An explicit zone after the time replaces ``tz``: "+03:00", "GMT+3", "UTC",
    "بتوقيت غرينتش", "ت.غ", "بتوقيت مكة المكرمة" (+03:00, no DST).

Relative forms, anchored on ``now`` (the fetch time; None without it)
    "منذ"/"قبل" with an optional count (digits, or the words ثلاث ... عشر) and a unit in
    singular, dual or plural: ثانية, دقيقة, ساعة, يوم, أسبوع, شهر (30 days), سنة/عام
    (365 days): "منذ ساعتين", "قبل 3 ساعات", "منذ ٥ دقائق", "منذ أسبوع", "قبل شهرين".
    A plural without a count ("منذ ساعات") is too vague and gives None. "الآن", "للتو",
    "منذ قليل", "منذ لحظات" give ``now``. "أمس"/"البارحة" give ``now`` minus a day, or
    yesterday at the given time in ``tz`` ("أمس 14:05", "أمس الساعة 10:15 م"); "أول أمس"
    two days. "اليوم" needs a time ("اليوم 14:05": today in ``tz`` at that time), since
    it is also part of names such as "اليوم السابع" and "المصري اليوم". English
    ("3 hours ago", "yesterday", "today 14:05") and French ("il y a 3 heures", "hier")
    likewise.

Years outside 1900–2099 (Hijri years such as 1445) and impossible dates (31 فيفري) are
skipped; text without a date gives None. Absolute dates are in ``tz`` unless the text
names a zone; relative ones keep ``now``'s zone (a naive ``now`` is taken in ``tz``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, time, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from khabar_crawler.text.date_words import (
    AM,
    COUNT_WORDS,
    DAY_WORDS,
    FOLDS,
    LATIN_UNITS,
    MONTH_NAMES,
    NOON,
    PM,
    UNIT_WORDS,
    WEEKDAY_NAMES,
    ZONES,
)
from khabar_crawler.text.normalize import search_form

# --- machine dates: ISO 8601 and RFC 822 (feeds) -------------------------------------------

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


# --- dates as pages show them -----------------------------------------------------------


def _form(text: str) -> str:
    return search_form(text).translate(FOLDS)


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first (so "مايو" is tried before "ماي")."""
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


#: month names in their normalised form (see the module documentation) -> month number
MONTHS: dict[str, int] = {_form(name): n for n, names in MONTH_NAMES.items() for name in names}


_WEEKDAYS = [_form(w) for names in WEEKDAY_NAMES for w in names]

_MONTH = _alternation(MONTHS)
#: a letter (digits may touch a month name: "18يوليو2024")
_LETTER = r"[^\W\d_]"
_MONTHS_PART = (
    rf"(?<!{_LETTER})(?P<month>{_MONTH})(?!{_LETTER})\.?"
    rf"(?:\s*[/\-(]\s*(?P<month2>{_MONTH})(?!{_LETTER})\.?\s*\)?)?"
)
_DAY = r"(?<![\d:])(?P<day>\d{1,2})(?:(?:st|nd|rd|th|er)(?![a-z]))?(?!\d)"
_YEAR = r"(?P<year>\d{4})(?!\d)"
_SEP = r"[\s,،/\-.]*"
_ABSOLUTE = (
    # 18 يوليو 2024, 18 تموز (يوليو) 2024, 18 July 2024
    re.compile(_DAY + _SEP + _MONTHS_PART + _SEP + _YEAR),
    # يوليو 18، 2024, July 18, 2024
    re.compile(_MONTHS_PART + _SEP + _DAY + _SEP + _YEAR),
    # 18/07/2024, 18-07-2024, 18.07.2024
    re.compile(r"(?<![\d:])(?P<day>\d{1,2})\s*(?P<sep>[/\-.])\s*(?P<month>\d{1,2})\s*(?P=sep)\s*" + _YEAR),
    # 2024/07/18
    re.compile(
        r"(?<!\d)(?P<year>\d{4})\s*(?P<sep>[/\-.])\s*(?P<month>\d{1,2})\s*(?P=sep)\s*(?P<day>\d{1,2})(?!\d)"
    ),
)
#: an ISO 8601 timestamp inside other text (the search form lower-cases its T and Z)
_ISO_INSIDE = re.compile(
    r"(?<!\d)\d{4}-\d{2}-\d{2}t\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?(?!\d)"
)
_YEARS = range(1900, 2100)

_TIME = (
    r"(?P<hour>\d{1,2})\s*[:h]\s*(?P<minute>\d{2})(?:\s*:\s*(?P<second>\d{2}))?(?!\d)"
    # "م" also starts words ("مكة"): a marker stands alone
    r"(?:\s*(?P<ampm>[ap]\.?\s?m\.?|" + _alternation((PM | NOON | AM) - {"am", "pm"}) + r")(?!\w))?"
    r"(?:\s*\(?\s*(?:(?:ب?توقيت\s+)?(?P<zone>" + _alternation(ZONES) + r"|ت\.?\s?غ)(?!\w)"
    r"\s*(?P<zone_offset>[+-]\s*\d{1,2}(?::?\d{2})?)?"
    r"|(?P<offset>[+-]\d{2}:?\d{2}))\s*\)?)?"
)
#: what may stand between a date and its time: separators, era, "الساعة", weekday names
_GAP = (
    r"(?:[\s,،؛;\-–—|@•·/.()]|(?:"
    + _alternation([_form(w) for w in ("م", "ميلادي", "ميلادية", "الساعة", "ساعة", "في", "على", "at", "à")])
    + "|"
    + _alternation(_WEEKDAYS)
    + r")(?!\w))*?"
)
_TIME_AFTER = re.compile(_GAP + _TIME)
_TIME_BEFORE = re.compile(r"(?<![\d:])" + _TIME + _GAP + r"$")
_TIME_ANYWHERE = re.compile(r"(?<![\d:])" + _TIME)

#: one of each unit; a month is 30 days and a year 365
_STEP = {
    "seconds": timedelta(seconds=1),
    "minutes": timedelta(minutes=1),
    "hours": timedelta(hours=1),
    "days": timedelta(days=1),
    "weeks": timedelta(weeks=1),
    "months": timedelta(days=30),
    "years": timedelta(days=365),
}
#: Arabic units, normalised: word -> (unit, count)
_UNITS: dict[str, tuple[str, int | None]] = {
    _form(word): (unit, count) for unit, forms in UNIT_WORDS.items() for word, count in forms
}
_COUNT_WORDS = {_form(word): n for n, words in COUNT_WORDS.items() for word in words}
_RELATIVE = re.compile(
    r"(?<!\w)(?:منذ|قبل)\s+(?:(?:حوالي|نحو|قرابه)\s+)?(?:(?P<count>\d+|"
    + _alternation(_COUNT_WORDS)
    + r")\s+)?(?P<unit>"
    + _alternation(_UNITS)
    + r")(?!\w)"
)
_LATIN_RELATIVE = re.compile(
    r"(?<!\w)(?:(?P<en>\d+|an?|one)\s+(?P<en_unit>second|sec|minute|min|hour|hr|day|week|month|year)s?\.?"
    r"\s+ago|il\s+y\s+a\s+(?P<fr>\d+|une?)\s+(?P<fr_unit>seconde|minute|heure|jour|semaine|mois|annee|an)s?)"
    r"(?!\w)"
)
_DAY_WORD = re.compile(r"(?<!\w)(?P<word>" + _alternation(DAY_WORDS) + r")(?!\w)")
_NOW = re.compile(r"(?<!\w)(?:الان|للتو|(?:منذ|قبل) (?:قليل|لحظات)|just now|a l'instant)(?!\w)")


def parse_display_date(text: str | None, now: datetime | None = None, tz: tzinfo = UTC) -> datetime | None:
    """Parse a date as a page shows it; ``now`` (the fetch time) anchors relative forms.

    The forms read are listed in the module documentation. Returns an aware datetime, or
    None when ``text`` holds no readable date (or only a relative one and ``now`` is None).
    """
    if not text or not text.strip():
        return None
    form = _form(text)
    machine = parse_datetime(text, tz)
    if machine is not None and not any(m["ampm"] or m["zone"] for m in _TIME_ANYWHERE.finditer(form)):
        return machine
    inside = _ISO_INSIDE.search(form)
    if inside:
        parsed = parse_datetime(inside.group().upper(), tz)
        if parsed is not None:
            return parsed
    absolute = _absolute(form, tz)
    if absolute is not None or now is None:
        return absolute
    if now.tzinfo is None:
        now = now.replace(tzinfo=tz)
    return _relative(form, now, tz)


def _absolute(form: str, tz: tzinfo) -> datetime | None:
    """The earliest valid absolute date in ``form``, with its time when one is next to it."""
    best: tuple[int, datetime] | None = None
    for pattern in _ABSOLUTE:
        for match in pattern.finditer(form):
            if best is not None and match.start() >= best[0]:
                break
            found = _date_of(match, form, tz)
            if found is not None:
                best = (match.start(), found)
                break
    return best[1] if best else None


def _date_of(match: re.Match[str], form: str, tz: tzinfo) -> datetime | None:
    year = int(match["year"])
    if year not in _YEARS:  # a Hijri year (1445) or a number that is no year
        return None
    groups = match.groupdict()
    if "sep" in groups:
        month = int(match["month"])
    else:
        month = MONTHS[match["month"]]
        if match["month2"] and MONTHS[match["month2"]] != month:
            return None
    clock = _TIME_AFTER.match(form, match.end()) or _TIME_BEFORE.search(form, 0, match.start())
    try:
        day = datetime(year, month, int(match["day"]), tzinfo=tz)
        return _at(day, clock) if clock else day
    except ValueError:
        return None


def _at(day: datetime, clock: re.Match[str]) -> datetime:
    """``day`` at the time of ``clock`` (in its zone when it names one); ValueError if impossible."""
    hour = int(clock["hour"])
    marker = re.sub(r"[.\s]", "", clock["ampm"] or "")
    if (marker in PM and hour < 12) or (marker in NOON and hour < 11):
        hour += 12
    elif marker in AM and hour == 12:
        hour = 0
    zone = _zone(clock) if clock["zone"] or clock["offset"] else day.tzinfo
    return datetime.combine(
        day.date(), time(hour, int(clock["minute"]), int(clock["second"] or 0)), tzinfo=zone
    )


def _zone(clock: re.Match[str]) -> timezone:
    """The zone a time names: a zone's name ("بتوقيت مكة", "GMT") and/or an offset ("+3", "+03:00")."""
    hours, minutes = ZONES.get(clock["zone"] or "", 0), 0
    offset = clock["offset"] or clock["zone_offset"]
    if offset:
        digits = re.sub(r"[\s:]", "", offset)
        sign = -1 if digits[0] == "-" else 1
        digits = digits[1:]
        hh, mm = (digits[:-2], digits[-2:]) if len(digits) > 2 else (digits, "0")
        hours, minutes = hours + sign * int(hh), sign * int(mm)
    return timezone(timedelta(hours=hours, minutes=minutes))


def _relative(form: str, now: datetime, tz: tzinfo) -> datetime | None:
    if _NOW.search(form):
        return now
    match = _RELATIVE.search(form)
    if match:
        unit, implied = _UNITS[match["unit"]]
        raw = match["count"]
        count = (int(raw) if raw.isdigit() else _COUNT_WORDS[raw]) if raw else implied
        return None if count is None else now - count * _STEP[unit]
    match = _LATIN_RELATIVE.search(form)
    if match:
        raw = match["en"] or match["fr"]
        unit = LATIN_UNITS[match["en_unit"] or match["fr_unit"]]
        return now - (int(raw) if raw.isdigit() else 1) * _STEP[unit]
    match = _DAY_WORD.search(form)
    if match:
        back = DAY_WORDS[match["word"]]
        clock = _TIME_AFTER.match(form, match.end()) or _TIME_BEFORE.search(form, 0, match.start())
        if clock is None:
            return now - timedelta(days=back) if back else None
        local = now.astimezone(tz)
        try:
            return _at(datetime.combine(local.date() - timedelta(days=back), time(), tzinfo=tz), clock)
        except ValueError:
            return None
    return None
