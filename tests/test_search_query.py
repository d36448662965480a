"""Query parsing: normalisation, phrases, prefixes, and nothing but words reaching either back end."""

from __future__ import annotations

import pytest

from khabar_crawler.query.search_postgres import tsquery
from khabar_crawler.query.search_query import QueryError, parse_query, snippet
from khabar_crawler.query.search_sqlite import fts5_match

CASES = [
    (
        "plain words",
        "الاتحاد الأوروبي",
        '("الاتحاد" OR "ـاتحاد") AND ("الاوروبي" OR "ـاوروب")',
        "(الاتحاد | ـاتحاد) & (الاوروبي | ـاوروب)",
    ),
    (
        "tashkeel and tatweel",
        "تَعاوُن دفـــاعي",
        '("تعاون" OR "ـتعا") AND ("دفاعي" OR "ـدفاع")',
        "(تعاون | ـتعا) & (دفاعي | ـدفاع)",
    ),
    (
        "phrase",
        '"كوريا الجنوبية" اليابان',
        '("كوريا الجنوبيه" OR "ـكوريا ـجنوب") AND ("اليابان" OR "ـياب")',
        "((كوريا:A <-> الجنوبيه:A) | (كوريا:B <-> الجنوبيه:B) | (كوريا:C <-> الجنوبيه:C)"
        " | (ـكوريا:A <-> ـجنوب:A) | (ـكوريا:B <-> ـجنوب:B) | (ـكوريا:C <-> ـجنوب:C)) & (اليابان | ـياب)",
    ),
    (
        "unbalanced quote is text",
        'مدرسة "كوريا',
        '("مدرسه" OR "ـمدرس") AND ("كوريا" OR "ـكوريا")',
        "(مدرسه | ـمدرس) & (كوريا | ـكوريا)",
    ),
    ("prefix", "ياب*", '("ياب"* OR "ـياب"*)', "(ياب:* | ـياب:*)"),
    (
        "FTS operators are words",
        "NEAR(a b) OR c",
        '("near" OR "ـnear") AND ("a" OR "ـa") AND ("b" OR "ـb") AND ("or" OR "ـor") AND ("c" OR "ـc")',
        "(near | ـnear) & (a | ـa) & (b | ـb) & (or | ـor) & (c | ـc)",
    ),
    (
        "SQL is text",
        "'; DROP TABLE articles; --",
        '("drop" OR "ـdrop") AND ("table" OR "ـtable") AND ("articles" OR "ـarticles")',
        "(drop | ـdrop) & (table | ـtable) & (articles | ـarticles)",
    ),
    ("bidi marks", "\u200fأحمد\u200e", '("احمد" OR "ـاحمد")', "(احمد | ـاحمد)"),
    ("duplicates once", "اليابان اليابان", '("اليابان" OR "ـياب")', "(اليابان | ـياب)"),
]


@pytest.mark.parametrize(("case", "raw", "fts5", "expected_tsquery"), CASES, ids=[c[0] for c in CASES])
def test_query_expressions(case: str, raw: str, fts5: str, expected_tsquery: str) -> None:
    query = parse_query(raw)
    assert (fts5_match(query), tsquery(query)) == (fts5, expected_tsquery)


@pytest.mark.parametrize("raw", ["", "   ", '""', "***", "-- ;", "\u200f"])
def test_empty_query_is_a_clear_error(raw: str) -> None:
    with pytest.raises(QueryError, match="nothing to search for"):
        parse_query(raw)


def test_snippet_marks_matches_in_the_display_text() -> None:
    body = "قال المحلل إن الاتحادَ الأوروبي وقّع اتفاقية مع اليابان."
    assert (
        snippet(body, parse_query("الاوروبي"), marks=("[", "]"))
        == "قال المحلل إن الاتحادَ [الأوروبي] وقّع اتفاقية مع اليابان."
    )


def test_snippet_is_a_window_around_the_first_match() -> None:
    body = " ".join(f"كلمة{i}" for i in range(100)) + " هدف " + " ".join(f"نص{i}" for i in range(100))
    cut = snippet(body, parse_query("هدف"), width=2, marks=("[", "]"))
    assert cut == "… كلمه98 كلمه99 [هدف] نص0 نص1 …".replace("كلمه", "كلمة")
