"""One query suite, run on SQLite (FTS5) and PostgreSQL (tsvector): the same hits on both."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select

from khabar_crawler.db.models import Article
from khabar_crawler.items import ArticleItem
from khabar_crawler.query.search import search
from khabar_crawler.query.search_filters import FilterError
from tests.conftest import postgres_schema
from tests.helpers import golden_ids, golden_item
from tests.pipeline_run import run_pipelines


def extra(
    article_id: str, title: str, body: str, category: str, published: str, **fields: Any
) -> ArticleItem:
    url = f"https://khabarayn.com/news/{article_id}/x/"
    return golden_item(
        "41872", url=url, canonical_url=url, article_id=article_id, title=title, summary=None, body=body,
        sections=[{"heading": None, "paragraphs": [body]}], category=category, published_at=published,
        modified_at=None, **{"tags": [], "images": [], "see_also": [], "related": [], **fields},
    )  # fmt: skip


EXTRA = [
    extra("90001", "لقاء مع أحمد في مدرسة الحيّ", "زار الوزير أحمد مدرسة في القاهرة لمتابعة العام الدراسي.",
          "مصر", "2024-03-05T09:00:00+02:00", authors=["سارة أحمد"], tags=["التعليم", "القاهرة"]),
    extra("90002", "احمد يفوز بجائزة", "فاز احمد بجائزة مدرسه النور الاولى في مسابقة الرياضيات.",
          "رياضة", "2025-01-10T18:30:00+03:00", authors=["مُحَمَّد علي"], tags=["التعليم"]),
    extra("90003", "تصريح", "قال المسؤول إن القرار نهائي.", "مصر", "2025-02-01T10:00:00+00:00"),
]  # fmt: skip
AHMAD_SCHOOL = {"90001", "90002"}
SEED = {"41872", "52306"}

HITS: list[tuple[str, str, dict[str, Any], set[str]]] = [
    ("hamza", "أحمد", {}, AHMAD_SCHOOL),
    ("no hamza", "احمد", {}, AHMAD_SCHOOL),
    ("teh marbuta", "مدرسة", {}, AHMAD_SCHOOL),
    ("heh", "مدرسه", {}, AHMAD_SCHOOL),
    ("tashkeel in the query", "أَحْمَد", {}, AHMAD_SCHOOL),
    ("tatweel in the query", "أحـــمد", {}, AHMAD_SCHOOL),
    ("bidi marks in the query", "\u200fأحمد\u200e", {}, AHMAD_SCHOOL),
    ("tashkeel in the text", "الحي", {}, {"90001"}),
    ("hamza in the text only", "الاوروبيه", {}, {"41872", "52306"}),
    ("all words", "الاتحاد الأوروبي", {}, {"52306"}),
    ("words in different articles", "اليابان أحمد", {}, set()),
    ("phrase", '"كوريا الجنوبية"', {}, SEED),
    ("phrase through a prefix", '"وكوريا الجنوبية"', {}, SEED),
    ("word through a prefix", "كوريا", {}, SEED),
    ("word through article and suffix", "دفاع", {}, SEED),
    ("docs example: phrase and prefix", '"كوريا الجنوبية" يوشيد*', {}, {"41872"}),
    ("hamza on waw", "مسؤول", {}, {*SEED, "90003"}),
    ("hamza on ya", "مسئول", {}, {*SEED, "90003"}),
    ("phrase in order only", '"الجنوبية كوريا"', {}, set()),
    ("phrase and a word", '"كوريا الجنوبية" اليابان', {}, SEED),
    ("two phrases", '"أحمد مدرسة" "فاز احمد"', {}, set()),
    ("three-word phrase", '"أحمد مدرسة في"', {}, {"90001"}),
    ("three-word phrase whose pairs are apart", '"فاز احمد يفوز"', {}, set()),
    ("phrase never spans title and body", '"بجائزة فاز"', {}, set()),
    ("prefix", "يوشيد*", {}, {"41872"}),
    ("category", "اليابان", {"category": "آسيا"}, {"41872", "52306"}),
    ("category typed without hamza", "اليابان", {"category": "اسيا"}, {"41872", "52306"}),
    ("category by its slug", "اليابان", {"category": "asia"}, {"41872", "52306"}),
    ("other category", "اليابان", {"category": "مصر"}, set()),
    ("tag", "احمد", {"tag": "التعليم"}, AHMAD_SCHOOL),
    ("tag as a hashtag", "اليابان", {"tag": "#كوريا_الجنوبية"}, {"41872"}),
    ("author, one word of the name", "احمد", {"author": "علي"}, {"90002"}),
    ("author typed without tashkeel", "احمد", {"author": "محمد علي"}, {"90002"}),
    ("author and category", "مدرسة", {"author": "سارة", "category": "مصر"}, {"90001"}),
    ("OR", "بوريل OR يوشيدا", {}, SEED),
    ("OR of words in different articles", "اليابان OR أحمد", {}, {*SEED, *AHMAD_SCHOOL}),
    ("-word", "اليابان -بوريل", {}, {"41872"}),
    ("NOT word", "اليابان NOT بوريل", {}, {"41872"}),
    ("-word through a prefix", "مسؤول -وكوريا", {}, {"90003"}),
    ("-phrase", 'اليابان -"الاتحاد الأوروبي"', {}, {"41872"}),
    ("parentheses", "(يوشيدا OR أحمد) مدرسة", {}, AHMAD_SCHOOL),
    ("parentheses and a negated group", "احمد -(القاهرة OR الرياضيات)", {}, set()),
    ("OR of phrases", '"سارة أحمد" OR "كوريا الجنوبية"', {}, SEED),
    ("since", "اليابان", {"since": datetime(2024, 10, 1, tzinfo=UTC)}, {"52306"}),
    ("until", "اليابان", {"until": datetime(2024, 10, 1, tzinfo=UTC)}, {"41872"}),
    ("FTS syntax as text", "NEAR(اليابان", {}, set()),
    ("FTS column filter as text", "title:اليابان", {}, set()),
    ("SQL as text", "'; DROP TABLE articles; --", {}, set()),
    ("unbalanced quote", '"اليابان', {}, {"41872", "52306"}),
]


@pytest.fixture
def filled(db_url: str) -> str:
    run_pipelines(db_url, *(golden_item(aid) for aid in golden_ids()), *EXTRA)
    return db_url


@pytest.mark.parametrize(("case", "query", "filters", "expected"), HITS, ids=[h[0] for h in HITS])
def test_hits(filled: str, case: str, query: str, filters: dict[str, Any], expected: set[str]) -> None:
    engine = create_engine(filled)
    with engine.connect() as connection:
        hits = search(connection, query, limit=50, **filters)
        articles = connection.scalar(select(func.count()).select_from(Article))
    engine.dispose()
    assert ({hit.article_id for hit in hits}, articles) == (expected, 5)


@pytest.mark.parametrize(
    ("filters", "why"),
    [
        ({"category": "أوروبا"}, "no category 'أوروبا' in the database \\(categories: آسيا، رياضة، مصر\\)"),
        ({"tag": "روسيا"}, "no tag 'روسيا' in the database"),
        ({"author": "بوريل"}, "no author 'بوريل' in the database \\(authors: "),
    ],
)
def test_a_filter_naming_nothing_stored_says_so(filled: str, filters: dict[str, str], why: str) -> None:
    engine = create_engine(filled)
    with engine.connect() as connection, pytest.raises(FilterError, match=why):
        search(connection, "اليابان", **filters)
    engine.dispose()


def ranked(url: str, query: str) -> list[str]:
    """The ids of a query's hits, best first."""
    engine = create_engine(url)
    with engine.connect() as connection:
        hits = search(connection, query)
    engine.dispose()
    return [hit.article_id or "" for hit in hits]


def test_title_matches_rank_first(filled: str) -> None:
    """A word in a title (90001) weighs more than the same word in a body only (90002)."""
    assert ranked(filled, "مدرسة") == ["90001", "90002"]


SEED_VARIANTS = [
    ("41872", "يوشيدا"),
    ("41872", "يوشيـــدا"),
    ("41872", "الإقليمية"),
    ("41872", "الاقليميه"),
    ("41872", "الأَمْرِيكِيَّة"),
    ("52306", "بوريل"),
    ("52306", "بُورِيل"),
    ("52306", "الأوروبية"),
    ("52306", "الاوروبيه"),
    ("52306", "\u200fطوكيو\u200e"),
]


@pytest.mark.parametrize(("article_id", "query"), SEED_VARIANTS)
def test_each_seed_article_is_found_by_its_words_in_any_spelling(
    filled: str, article_id: str, query: str
) -> None:
    engine = create_engine(filled)
    with engine.connect() as connection:
        found = {hit.article_id for hit in search(connection, query, limit=50)}
    engine.dispose()
    assert article_id in found


LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


def made_up_word(n: int) -> str:
    """A distinct Arabic-letter word for each n, so that every test article differs."""
    word = ""
    for _ in range(3):
        n, digit = divmod(n, len(LETTERS))
        word += LETTERS[digit]
    return word + "ون"


@pytest.fixture
def thirty(db_url: str) -> str:
    """30 articles stored oldest first (90101 ... 90130): قديم in the first 15 (and in the
    title of the first), مشترك in all."""
    items = []
    for n in range(30):
        own = " ".join(made_up_word(n * 40 + k) for k in range(40))
        marker = "قديم " if n < 15 else ""
        body = f"{marker}مشترك {own}."
        title = ("قديم " if n == 0 else "") + made_up_word(5000 + n)
        items.append(extra(str(90101 + n), title, body, "مصر", "2024-05-01T10:00:00+00:00"))
    run_pipelines(db_url, *items)
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE articles" if engine.dialect.name == "postgresql" else "ANALYZE")
    engine.dispose()
    return db_url


def found(url: str, query: str, **options: Any) -> set[str]:
    engine = create_engine(url)
    with engine.connect() as connection:
        hits = search(connection, query, limit=2, **options)
    engine.dispose()
    return {hit.article_id or "" for hit in hits}


def test_common_words_are_ranked_among_the_newest_matches(
    thirty: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("khabar_crawler.query.search.RANK_CANDIDATES", 2)
    assert found(thirty, "مشترك") == {"90129", "90130"}


def test_newest_matches_of_a_word_missing_from_the_newest_articles(
    thirty: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the statistics say قديم is in half the articles: the newest ids are
    tried first, hold none, and the whole table is searched again."""
    monkeypatch.setattr("khabar_crawler.query.search.RANK_CANDIDATES", 2)
    assert found(thirty, "قديم") == {"90114", "90115"}


def test_rank_all_ranks_every_match(thirty: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The oldest match has the word in its title too: first; the others tie, and the most
    recently stored wins the tie."""
    monkeypatch.setattr("khabar_crawler.query.search.RANK_CANDIDATES", 2)
    assert found(thirty, "قديم", rank_all=True) == {"90101", "90115"}


def test_exact_form_ranks_above_a_stemmed_match(filled: str) -> None:
    """مدرسة is in 90001's title; 90002's body has مدرسه too, but the stem ranks only."""
    assert ranked(filled, "والمدرسة") == ["90001", "90002"]


SAME_ORDER = [
    "اليابان",
    "كوريا",
    "دفاع",
    "الصين",
    '"كوريا الجنوبية"',
    "ياب*",
    "التعاون الامني",
    "احمد",
    "مدرسة OR اليابان",
    "(احمد OR اليابان) -بوريل",
    "مسؤول OR الدفاعية",
]


def hits_of(url: str) -> list[list[str]]:
    run_pipelines(url, *(golden_item(aid) for aid in golden_ids()), *EXTRA)
    engine = create_engine(url)
    with engine.connect() as connection:
        out = [[h.article_id or "" for h in search(connection, q, limit=50)] for q in SAME_ORDER]
    engine.dispose()
    return out


@pytest.fixture
def orders(tmp_path: Path) -> dict[str, list[list[str]]]:
    """The hits of :data:`SAME_ORDER` on each back end."""
    sqlite = hits_of(f"sqlite:///{tmp_path / 'khabar.db'}")
    with postgres_schema() as url:
        return {"sqlite": sqlite, "postgresql": hits_of(url)}


def test_both_back_ends_give_the_same_hits(orders: dict[str, list[list[str]]]) -> None:
    assert [sorted(h) for h in orders["sqlite"]] == [sorted(h) for h in orders["postgresql"]]


def test_both_back_ends_give_the_same_hits_in_the_same_order(orders: dict[str, list[list[str]]]) -> None:
    assert orders["sqlite"] == orders["postgresql"]
