"""The ar-v2 light stemmer (khabar_crawler/text/stem.py), one rule a case, and the indexed form."""

from __future__ import annotations

import pytest

from khabar_crawler.text.normalize import fold, index_form
from khabar_crawler.text.stem import stem, strip_prefixes

STEMS = [
    ("conjunction و", "وكوريا", "كوريا"),
    ("و kept when fewer than 3 letters would remain", "وعد", "وعد"),
    ("article ال", "الصين", "صين"),
    ("article with و", "والصين", "صين"),
    ("article with ب", "بالقاهره", "قاهر"),
    ("article with ك", "كالعاده", "عاد"),
    ("article with ف", "فالحكومه", "حكوم"),
    ("article with ل (لل)", "للتعاون", "تعا"),
    ("article kept when fewer than 2 letters would remain", "الف", "الف"),
    ("suffix ها", "سياستها", "سياست"),
    ("suffix يه (ية)", "الدفاعيه", "دفاع"),
    ("suffix ه (ة)", "مدرسه", "مدرس"),
    ("suffix ي", "الياباني", "ياب"),
    ("suffix ان", "اليابان", "ياب"),
    ("suffix ات", "التهديدات", "تهديد"),
    ("suffix ون", "المسلمون", "مسلم"),
    ("suffix ين", "المدرسين", "مدرس"),
    ("adjective ending before ان", "اليابانيه", "ياب"),
    ("suffix kept when fewer than 2 letters would remain", "اي", "اي"),
    ("single-letter particles kept", "كتاب", "كتاب"),
    ("Latin word unchanged", "cnn", "cnn"),
    ("word with a digit unchanged", "ال2024", "ال2024"),
]


@pytest.mark.parametrize(("case", "word", "expected"), STEMS, ids=[c[0] for c in STEMS])
def test_stem(case: str, word: str, expected: str) -> None:
    assert stem(word) == expected


def test_strip_prefixes_keeps_suffixes() -> None:
    assert strip_prefixes("واليابانيه") == "يابانيه"


def test_hamza_seats_fold_to_hamza() -> None:
    assert (fold("مسؤول"), fold("مسئول")) == ("مسءول", "مسءول")


def test_index_form_is_the_words_then_their_marked_stems() -> None:
    assert index_form("والصين، تعاون!") == "والصين تعاون ـصين ـتعا"


def test_index_form_is_empty_for_no_text() -> None:
    assert index_form(None) == ""
