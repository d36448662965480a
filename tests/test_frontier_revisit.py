"""The revisit policy and its query of the stored articles that are due (SQLite, no crawl)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from khabar_crawler.db.database import get_database
from khabar_crawler.frontier.revisit import RevisitPolicy, crawl_revisits, due_revisits
from tests.test_frontier_incremental import FRESH, NOW, STALE, make_crawler, page, store

POLICY = RevisitPolicy()


def test_a_young_article_is_due_after_an_hour() -> None:
    assert POLICY.is_due(NOW - timedelta(hours=3), NOW - timedelta(hours=1), NOW) is True


def test_an_old_article_is_not_due_after_a_day() -> None:
    assert POLICY.is_due(NOW - timedelta(days=90), NOW - timedelta(days=1), NOW) is False


def test_an_article_never_fetched_is_due() -> None:
    assert POLICY.is_due(None, None, NOW) is True


def test_the_setting_may_be_json() -> None:
    assert RevisitPolicy.from_setting("[[2, 0.5], [null, 72]]").intervals == ((2.0, 0.5), (None, 72.0))


def test_an_open_ended_last_age_is_added() -> None:
    assert RevisitPolicy.from_setting([[2, 0.5]]).intervals == ((2.0, 0.5), (None, 0.5))


def test_only_the_due_articles_are_listed(tmp_path: Path) -> None:
    database = get_database(make_crawler(tmp_path))
    for number, fetched in ((1, FRESH), (2, STALE), (3, STALE)):
        store(database, page(number), fetched)
    assert list(due_revisits(database, POLICY, NOW)) == [page(2), page(3)]


def test_the_list_is_read_a_page_at_a_time(tmp_path: Path) -> None:
    database = get_database(make_crawler(tmp_path))
    for number in range(1, 6):
        store(database, page(number), STALE)
    assert list(due_revisits(database, POLICY, NOW, page=2)) == [page(n) for n in range(1, 6)]


def test_a_replay_revisits_nothing(tmp_path: Path) -> None:
    crawler = make_crawler(tmp_path, KHABAR_REPLAY_DIR=str(tmp_path), ITEM_PIPELINES={"x.Y": 1})
    store(get_database(crawler), page(1), STALE)
    assert list(crawl_revisits(crawler)) == []


def test_a_full_recrawl_revisits_nothing(tmp_path: Path) -> None:
    crawler = make_crawler(tmp_path, KHABAR_FULL_RECRAWL=True, ITEM_PIPELINES={"x.Y": 1})
    store(get_database(crawler), page(1), STALE)
    assert list(crawl_revisits(crawler)) == []


def test_an_incremental_run_that_stores_revisits_the_due(tmp_path: Path) -> None:
    crawler = make_crawler(tmp_path, ITEM_PIPELINES={"x.Y": 1})
    store(get_database(crawler), page(1), STALE)
    assert list(crawl_revisits(crawler)) == [page(1)]
