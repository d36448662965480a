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
        "other FTS operators are words",
        "NEAR(a b) title:c ^d",
        '("near" OR "ـnear") AND ("a" OR "ـa") AND ("b" OR "ـb") AND ("title" OR "ـtitle")'
        ' AND ("c" OR "ـc") AND ("d" OR "ـd")',
        "(near | ـnear) & (a | ـa) & (b | ـb) & (title | ـtitle) & (c | ـc) & (d | ـd)",
    ),
    (
        "OR",
        "الصين OR اليابان",
        '(("الصين" OR "ـصين") OR ("اليابان" OR "ـياب"))',
        "(الصين | ـصين) | (اليابان | ـياب)",
    ),
    (
        "AND binds tighter than OR",
        "a b OR c",
        '((("a" OR "ـa") AND ("b" OR "ـb")) OR ("c" OR "ـc"))',
        "((a | ـa) & (b | ـb)) | (c | ـc)",
    ),
    (
        "-word",
        "الصين -اليابان",
        '("الصين" OR "ـصين") NOT ("اليابان" OR "ـياب")',
        "(الصين | ـصين) & !(اليابان | ـياب)",
    ),
    (
        "NOT word",
        "الصين NOT اليابان",
        '("الصين" OR "ـصين") NOT ("اليابان" OR "ـياب")',
        "(الصين | ـصين) & !(اليابان | ـياب)",
    ),
    (
        "parentheses",
        "الصين (اليابان OR كوريا) -روسيا",
        '(("الصين" OR "ـصين") AND (("اليابان" OR "ـياب") OR ("كوريا" OR "ـكوريا")))'
        ' NOT ("روسيا" OR "ـروسيا")',
        "(الصين | ـصين) & ((اليابان | ـياب) | (كوريا | ـكوريا)) & !(روسيا | ـروسيا)",
    ),
    (
        "a negated group",
        "c -(a OR b)",
        '("c" OR "ـc") NOT (("a" OR "ـa") OR ("b" OR "ـb"))',
        "(c | ـc) & !((a | ـa) | (b | ـb))",
    ),
    (
        "a negated hyphenated word is one group",
        "x -covid-19",
        '("x" OR "ـx") NOT (("covid" OR "ـcovid") AND ("19" OR "ـ19"))',
        "(x | ـx) & !((covid | ـcovid) & (19 | ـ19))",
    ),
    (
        "lower-case operators are words",
        "or and",
        '("or" OR "ـor") AND ("and" OR "ـand")',
        "(or | ـor) & (and | ـand)",
    ),
    ("unbalanced parenthesis is text", "(الصين", '("الصين" OR "ـصين")', "(الصين | ـصين)"),
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


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("-اليابان", "at least one word that must occur"),
        ("NOT اليابان", "at least one word that must occur"),
        ("الصين OR -اليابان", "at least one word that must occur"),
        ("الصين OR", "OR needs a word on both sides"),
        ("OR الصين", "OR needs a word on both sides"),
        ("الصين NOT", "NOT \\(or -\\) needs a word after it"),
        ("الصين) (اليابان", "a '\\)' without its '\\('"),
    ],
)
def test_a_query_that_cannot_be_searched_says_why(raw: str, why: str) -> None:
    with pytest.raises(QueryError, match=why):
        parse_query(raw)


def test_negated_words_are_not_marked_in_snippets() -> None:
    body = "الصين واليابان"
    assert snippet(body, parse_query("الصين -اليابان"), marks=("[", "]")) == "[الصين] واليابان"


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
