"""The words of dates, as pages write them: month and weekday names, units and counts of
relative dates, times of day and zones (the vocabulary :mod:`khabar_crawler.text.dates` reads
them with, after folding each to its normalised form)."""

from __future__ import annotations

#: what the search form leaves that dates still need folded: Persian letters, French accents
FOLDS = str.maketrans(
    {
        "ی": "ي",
        "ک": "ك",
        "ھ": "ه",
        "é": "e",
        "è": "e",
        "ê": "e",
        "û": "u",
        "ù": "u",
        "ô": "o",
        "â": "a",
        "à": "a",
        "î": "i",
        "ç": "c",
        "’": "'",
    }
)

#: Gregorian month names by month: Egyptian/Gulf, Levantine/Iraqi, Maghrebi, Moroccan,
#: English and French, as pages write them
MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("يناير", "كانون الثاني", "كانون ثاني", "جانفي", "january", "jan", "janvier", "janv"),
    2: ("فبراير", "شباط", "فيفري", "february", "feb", "fevrier", "fevr", "fev"),
    3: ("مارس", "آذار", "march", "mar", "mars"),
    4: ("أبريل", "إبريل", "نيسان", "أفريل", "april", "apr", "avril", "avr"),
    5: ("مايو", "أيار", "ماي", "may", "mai"),
    6: ("يونيو", "يونيه", "حزيران", "جوان", "june", "jun", "juin"),
    7: ("يوليو", "يوليه", "تموز", "جويلية", "جويلة", "يوليوز", "july", "jul", "juillet", "juil"),
    8: ("أغسطس", "آب", "أوت", "غشت", "august", "aug", "aout"),
    9: ("سبتمبر", "أيلول", "شتنبر", "september", "sep", "sept", "septembre"),
    10: ("أكتوبر", "تشرين الأول", "تشرين أول", "october", "oct", "octobre"),
    11: ("نوفمبر", "تشرين الثاني", "تشرين ثاني", "نونبر", "november", "nov", "novembre"),
    12: ("ديسمبر", "كانون الأول", "كانون أول", "دجنبر", "december", "dec", "decembre"),
}

#: weekday names, Arabic, English and French
WEEKDAY_NAMES = (
    ("الأحد", "الإثنين", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت"),
    ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"),
    ("sun", "mon", "tue", "wed", "thu", "fri", "sat"),
    ("dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"),
)

#: markers of the time of day and named zones (in their normalised form)
PM = {"م", "مساء", "مساءا", "عصرا", "pm"}
NOON = {"ظهرا", "ظهر"}
AM = {"ص", "صباحا", "صباح", "am"}
ZONES = {"مكه المكرمه": 3, "مكه": 3, "غرينتش": 0, "غرينيتش": 0, "جرينتش": 0, "gmt": 0, "utc": 0}

#: Arabic units: singular (1), dual (2) and plural (needs a count)
UNIT_WORDS: dict[str, tuple[tuple[str, int | None], ...]] = {
    "seconds": (("ثانية", 1), ("ثانيتين", 2), ("ثانيتان", 2), ("ثوان", None), ("ثواني", None)),
    "minutes": (("دقيقة", 1), ("دقيقتين", 2), ("دقيقتان", 2), ("دقائق", None), ("دقايق", None)),
    "hours": (("ساعة", 1), ("ساعتين", 2), ("ساعتان", 2), ("ساعات", None)),
    "days": (("يوم", 1), ("يومين", 2), ("يومان", 2), ("أيام", None)),
    "weeks": (("أسبوع", 1), ("أسبوعين", 2), ("أسبوعان", 2), ("أسابيع", None)),
    "months": (("شهر", 1), ("شهرين", 2), ("شهران", 2), ("أشهر", None), ("شهور", None)),
    "years": (
        ("سنة", 1),
        ("سنتين", 2),
        ("سنتان", 2),
        ("سنوات", None),
        ("سنين", None),
        ("عام", 1),
        ("عامين", 2),
        ("عامان", 2),
        ("أعوام", None),
    ),
}

#: counts written as words
COUNT_WORDS: dict[int, tuple[str, ...]] = {
    3: ("ثلاث", "ثلاثة"),
    4: ("أربع", "أربعة"),
    5: ("خمس", "خمسة"),
    6: ("ست", "ستة"),
    7: ("سبع", "سبعة"),
    8: ("ثماني", "ثمان", "ثمانية"),
    9: ("تسع", "تسعة"),
    10: ("عشر", "عشرة"),
}

#: English and French units
LATIN_UNITS = {
    "second": "seconds",
    "sec": "seconds",
    "seconde": "seconds",
    "minute": "minutes",
    "min": "minutes",
    "hour": "hours",
    "hr": "hours",
    "heure": "hours",
    "day": "days",
    "jour": "days",
    "week": "weeks",
    "semaine": "weeks",
    "month": "months",
    "mois": "months",
    "year": "years",
    "an": "years",
    "annee": "years",
}

#: days back from today; "اليوم"/"today" needs a time (see the module documentation)
DAY_WORDS = {
    "اول امس": 2,
    "اول البارحه": 2,
    "امس": 1,
    "البارحه": 1,
    "yesterday": 1,
    "hier": 1,
    "اليوم": 0,
    "today": 0,
    "aujourd'hui": 0,
}
