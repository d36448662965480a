"""A page's state is saved with its outcome (khabar_crawler/frontier/page_outcomes.py) and its
validators trusted only when that outcome is known to be safe (khabar_crawler/db/page_states.py):
after a run that died, pages without a stored article are fetched in full again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider, signals
from scrapy.http import HtmlResponse
from sqlalchemy import select

from khabar_crawler.db.database import get_database
from khabar_crawler.db.models import CrawlRun, PageState
from khabar_crawler.db.page_states import PageStates
from khabar_crawler.frontier.page_outcomes import META_KEY, PageOutcomeMiddleware
from khabar_crawler.items import ArticleItem, RejectedPage
from tests.helpers import golden_item
from tests.test_frontier_incremental import make_crawler, page

NOW = datetime.now(UTC)


def state(url: str) -> dict[str, Any]:
    return {
        "url": url,
        "etag": '"v1"',
        "last_modified": None,
        "changed_at": NOW,
        "status": 200,
        "fetched_at": NOW,
    }


def response(url: str) -> HtmlResponse:
    return HtmlResponse(url, body=b"<html></html>", request=Request(url, meta={META_KEY: state(url)}))


def outputs(mw: PageOutcomeMiddleware, url: str, *results: Any) -> list[Any]:
    return list(mw.process_spider_output(response(url), iter(results)))


def stored_urls(mw: PageOutcomeMiddleware) -> list[str]:
    crawler = mw.states.crawler
    crawler.signals.send_catch_log(signals.spider_closed, spider=Spider("s"), reason="finished")
    with get_database(crawler).sessions() as session:
        return list(session.scalars(select(PageState.url)))


def test_a_page_without_an_item_is_saved_once_its_links_are_out(tmp_path: Path) -> None:
    mw = PageOutcomeMiddleware.from_crawler(make_crawler(tmp_path))
    outputs(mw, page(1), Request(page(2)), Request(page(3)))
    assert stored_urls(mw) == [page(1)]


def test_an_article_carries_its_page_state_to_the_store(tmp_path: Path) -> None:
    mw = PageOutcomeMiddleware.from_crawler(make_crawler(tmp_path))
    (item,) = outputs(mw, page(1), golden_item("41872"))
    assert isinstance(item, ArticleItem) and item.pipeline.page_state == state(page(1))


def test_a_page_with_an_item_is_not_saved_by_the_middleware(tmp_path: Path) -> None:
    mw = PageOutcomeMiddleware.from_crawler(make_crawler(tmp_path))
    outputs(mw, page(1), RejectedPage(url=page(1), reason="not_article"), Request(page(2)))
    assert stored_urls(mw) == []


def test_a_failing_callback_saves_nothing(tmp_path: Path) -> None:
    mw = PageOutcomeMiddleware.from_crawler(make_crawler(tmp_path))

    def failing() -> Iterator[Any]:
        yield Request(page(2))
        raise ValueError("broken page")

    with pytest.raises(ValueError, match="broken page"):
        list(mw.process_spider_output(response(page(1)), failing()))
    assert stored_urls(mw) == []


def add_run(tmp_path: Path, status: str, **stats: int) -> Any:
    crawler = make_crawler(tmp_path)
    database = get_database(crawler)
    with database.sessions.begin() as session:
        session.add(
            CrawlRun(
                spider="khabarayn",
                started_at=NOW - timedelta(hours=1),
                status=status,
                arguments={},
                stats=stats,
            )
        )
        session.merge(
            PageState(
                url=page(1), etag='"v1"', last_modified=None, status=200, fetched_at=NOW, changed_at=NOW
            )
        )
    return database


@pytest.mark.parametrize(
    ("status", "stats", "sent"),
    [
        ("finished", {}, '"v1"'),
        ("killed", {}, None),
        ("failed", {}, None),
        ("interrupted", {}, None),
        ("finished", {"retry/max_reached": 2}, None),
        ("finished", {"khabar/store/spooled": 5}, None),
    ],
)
def test_validators_of_pages_without_an_article_need_a_clean_last_run(
    tmp_path: Path, status: str, stats: dict[str, int], sent: str | None
) -> None:
    known = PageStates.load(add_run(tmp_path, status, **stats)).get(page(1))
    assert known is not None and known.etag == sent


def test_a_sitemap_saves_how_many_article_urls_it_listed(tmp_path: Path) -> None:
    mw = PageOutcomeMiddleware.from_crawler(make_crawler(tmp_path))
    outputs(mw, page(1), Request(page(2), meta={"lastmod": "2026-11-01"}), Request(page(3)))
    stored_urls(mw)
    with get_database(mw.states.crawler).sessions() as session:
        assert session.scalar(select(PageState.listed)) == 1
