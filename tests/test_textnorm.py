"""Display-text tidying and the ar-v1 search form, table-driven."""

from __future__ import annotations

import random

import pytest

from khabar_crawler.text.normalize import fold, search_form, tidy

TIDY = [
    ("collapses white space", "  كلمة \n\t  أخرى  ", "كلمة أخرى"),
    ("no-break space", "كلمة\u00a0أخرى", "كلمة أخرى"),
    ("zero-width characters", "كل\u200bمة\u200c \u200dأخرى\u2060", "كلمة أخرى"),
    ("bidi marks", "\u200fخبر\u200e \u202bعاجل\u202c \u2067نص\u2069 \u061c", "خبر عاجل نص"),
    ("BOM and soft hyphen", "\ufeffتك\u00adنولوجيا", "تكنولوجيا"),
    ("NFC", "e\u0301", "\u00e9"),
    ("keeps tashkeel and hamza", "خَبَرَيْن أحمد", "خَبَرَيْن أحمد"),
    ("empty", None, ""),
]

SEARCH = [
    ("tashkeel", "خَبَرَيْن", "خبرين"),
    ("shadda and tanween", "محمّدٌ", "محمد"),
    ("superscript alef", "هٰذا", "هذا"),
    ("tatweel", "الســـلام", "السلام"),
    ("alef with hamza above", "أحمد", "احمد"),
    ("alef with hamza below", "إسلام", "اسلام"),
    ("alef madda", "آسيا", "اسيا"),
    ("alef wasla", "ٱلله", "الله"),
    ("alef maqsura", "مستشفى", "مستشفي"),
    ("teh marbuta", "مدرسة", "مدرسه"),
    ("Arabic-Indic digits", "عام ٢٠٢٤", "عام 2024"),
    ("Persian digits", "۱۲۳", "123"),
    ("Latin lower-cased", "CNN News", "cnn news"),
    ("invisible characters", "أح\u200fمد\u200b", "احمد"),
    ("presentation forms", "\ufefb", "لا"),
    ("white space", " a \n b ", "a b"),
]


@pytest.mark.parametrize(("case", "text", "expected"), TIDY, ids=[c[0] for c in TIDY])
def test_tidy(case: str, text: str | None, expected: str) -> None:
    assert tidy(text) == expected


@pytest.mark.parametrize(("case", "text", "expected"), SEARCH, ids=[c[0] for c in SEARCH])
def test_search_form(case: str, text: str, expected: str) -> None:
    assert search_form(text) == expected


def test_search_form_is_idempotent() -> None:
    text = "أَحْمَدُ في مَدْرَسَةِ الـمُستقبل ٢٠٢٤ CNN"
    assert search_form(search_form(text)) == search_form(text)


def test_letter_folds_equal_a_translation_table_on_any_text() -> None:
    """The folds are replaced one after another (fast): nothing a translation table of the
    profile's folds would still change is left in a folded text."""
    letters = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "ء", "ئ": "ء"}
    digits = {chr(base + i): str(i) for base in (0x0660, 0x06F0) for i in range(10)}
    table = str.maketrans({**letters, **digits})
    alphabet = "".join(chr(c) for c in range(0x0600, 0x0700)) + "abc XYZ 019"
    rng = random.Random(18)
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(3000)]
    assert [fold(t) for t in texts] == [search_form(t).translate(table) for t in texts]
