"""The incremental middleware's decision table, through a crawler from ``get_crawler`` and a
SQLite database (no crawl process): what is fetched, skipped, asked conditionally, not parsed."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from sqlalchemy import event, select

from khabar_crawler.db.database import Database, DatabaseExtension, get_database
from khabar_crawler.db.models import Article, ArticleUrl, PageState
from khabar_crawler.frontier.incremental import IncrementalMiddleware
from khabar_crawler.frontier.page_outcomes import META_KEY
from khabar_crawler.frontier.revisit import RevisitPolicy, due_revisits
from khabar_crawler.urls import canonicalize_url

SITE = "https://khabarayn.com"
NOW = datetime.now(UTC)
FRESH = NOW - timedelta(minutes=5)  # an hour-old article fetched 5 minutes ago: not due
STALE = NOW - timedelta(days=3)  # fetched three days ago: due at any age
ETAG = '"v1"'
LAST_MODIFIED = "Wed, 18 Nov 2026 08:00:00 GMT"


def make_crawler(tmp_path: Path, **settings: Any) -> Crawler:
    return get_crawler(
        Spider,
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'khabar.db'}",
            "EXTENSIONS_BASE": {},
            "EXTENSIONS": {DatabaseExtension: 50},
            "KHABARAYN_SITE_URL": SITE,
            **settings,
        },
    )


def store(database: Database, url: str, fetched: datetime, *, validators: bool = True) -> None:
    """A stored article published an hour ago, last fetched at ``fetched`` (with validators)."""
    with database.sessions.begin() as session:
        article = Article(
            canonical_url=url,
            title="عنوان",
            body="نص",
            title_search="عنوان",
            body_search="نص",
            search_profile="arabic",
            language="ar",
            published_at=NOW - timedelta(hours=1),
            content_hash="0" * 64,
            simhash=0,
            simhash_band0=0,
            simhash_band1=0,
            simhash_band2=0,
            simhash_band3=0,
            first_seen_at=fetched,
            last_seen_at=fetched,
            updated_at=fetched,
        )
        session.add(article)
        session.flush()
        session.add(
            ArticleUrl(
                article_pk=article.id, url=url, kind="canonical", first_seen_at=fetched, last_seen_at=fetched
            )
        )
        if validators:
            session.add(
                PageState(
                    url=url,
                    etag=ETAG,
                    last_modified=LAST_MODIFIED,
                    status=200,
                    fetched_at=fetched,
                    changed_at=fetched,
                )
            )


def middleware(
    tmp_path: Path, stored: dict[str, datetime] | None = None, **settings: Any
) -> IncrementalMiddleware:
    crawler = make_crawler(tmp_path, **settings)
    for url, fetched in (stored or {}).items():
        store(get_database(crawler), url, fetched)
    return IncrementalMiddleware.from_crawler(crawler)


def stat(mw: IncrementalMiddleware, event_name: str) -> Any:
    assert mw.crawler.stats is not None
    return mw.crawler.stats.get_value(f"khabar/incremental/{event_name}")


def page(number: int) -> str:
    """An article's canonical URL, as the store keeps it."""
    return canonicalize_url(f"{SITE}/news/{number}/خبر/")


def conditional(request: Request) -> tuple[bytes | None, bytes | None]:
    return request.headers.get(b"If-None-Match"), request.headers.get(b"If-Modified-Since")


def test_a_page_never_stored_is_fetched_unconditionally(tmp_path: Path) -> None:
    mw, request = middleware(tmp_path), Request(page(1))
    mw.process_request(request)
    assert conditional(request) == (None, None)


def test_a_stored_article_not_due_is_skipped(tmp_path: Path) -> None:
    mw = middleware(tmp_path, {page(1): FRESH})
    with pytest.raises(IgnoreRequest):
        mw.process_request(Request(page(1)))


def test_a_skip_is_counted(tmp_path: Path) -> None:
    mw = middleware(tmp_path, {page(1): FRESH})
    with pytest.raises(IgnoreRequest):
        mw.process_request(Request(page(1)))
    assert stat(mw, "skipped") == 1


def test_a_stored_article_due_is_fetched_conditionally(tmp_path: Path) -> None:
    mw, request = middleware(tmp_path, {page(1): STALE}), Request(page(1))
    mw.process_request(request)
    assert conditional(request) == (ETAG.encode(), LAST_MODIFIED.encode())


def test_a_sitemap_lastmod_after_the_last_fetch_fetches_it(tmp_path: Path) -> None:
    mw = middleware(tmp_path, {page(1): FRESH})
    request = Request(page(1), meta={"lastmod": NOW.isoformat()})
    mw.process_request(request)
    assert conditional(request) == (ETAG.encode(), LAST_MODIFIED.encode())


def test_a_revisit_request_is_fetched_though_not_due(tmp_path: Path) -> None:
    mw = middleware(tmp_path, {page(1): FRESH})
    request = Request(page(1), meta={"khabar_revisit": True})
    mw.process_request(request)
    assert conditional(request) == (ETAG.encode(), LAST_MODIFIED.encode())


def test_a_full_recrawl_fetches_unconditionally(tmp_path: Path) -> None:
    mw, request = middleware(tmp_path, {page(1): FRESH}, KHABAR_FULL_RECRAWL=True), Request(page(1))
    mw.process_request(request)
    assert conditional(request) == (None, None)


def test_robots_txt_is_never_conditional(tmp_path: Path) -> None:
    mw = middleware(tmp_path, {f"{SITE}/robots.txt": FRESH})
    request = Request(f"{SITE}/robots.txt")
    mw.process_request(request)
    assert conditional(request) == (None, None)


def test_a_304_is_not_parsed(tmp_path: Path) -> None:
    mw, request = middleware(tmp_path, {page(1): STALE}), Request(page(1))
    with pytest.raises(IgnoreRequest):
        mw.process_response(request, Response(page(1), status=304, request=request))


def test_a_304_is_counted(tmp_path: Path) -> None:
    mw, request = middleware(tmp_path, {page(1): STALE}), Request(page(1))
    with pytest.raises(IgnoreRequest):
        mw.process_response(request, Response(page(1), status=304, request=request))
    assert stat(mw, "not_modified") == 1


def test_a_200_is_passed_on(tmp_path: Path) -> None:
    mw, request = middleware(tmp_path), Request(page(1))
    response = Response(page(1), status=200, request=request)
    assert mw.process_response(request, response) is response


def test_a_page_fetched_in_this_run_is_not_fetched_again(tmp_path: Path) -> None:
    mw = middleware(tmp_path, {page(1): STALE})
    mw.process_response(Request(page(1)), Response(page(1), status=200))
    with pytest.raises(IgnoreRequest):
        mw.process_request(Request(page(1)))


def test_a_200_notes_its_new_state_on_the_request(tmp_path: Path) -> None:
    mw, request = middleware(tmp_path), Request(page(1))
    headers = {"ETag": '"v2"', "Last-Modified": LAST_MODIFIED}
    mw.process_response(request, Response(page(1), status=200, headers=headers, request=request))
    state = request.meta[META_KEY]
    assert (state["etag"], state["last_modified"], state["status"]) == ('"v2"', LAST_MODIFIED, 200)


def test_a_200_is_not_written_before_its_outcome(tmp_path: Path) -> None:
    mw, request = middleware(tmp_path), Request(page(1))
    mw.process_response(request, Response(page(1), status=200, headers={"ETag": '"v2"'}, request=request))
    mw.crawler.signals.send_catch_log(signals.spider_closed, spider=Spider("s"), reason="finished")
    assert rows_of(mw) == []


def test_a_304_keeps_the_stored_validators(tmp_path: Path) -> None:
    mw, request = middleware(tmp_path, {page(1): STALE}), Request(page(1))
    with pytest.raises(IgnoreRequest):
        mw.process_response(request, Response(page(1), status=304, request=request))
    mw.crawler.signals.send_catch_log(signals.spider_closed, spider=Spider("s"), reason="finished")
    with get_database(mw.crawler).sessions() as session:
        state = session.scalar(select(PageState).where(PageState.url == page(1)))
    assert (state.etag, state.status) == (ETAG, 304)  # type: ignore[union-attr]


def test_requests_are_decided_without_a_query_each(tmp_path: Path) -> None:
    """What is stored is read once: a hundred requests cost the three loading queries."""
    mw = middleware(tmp_path, {page(1): FRESH, page(2): STALE})
    statements: list[str] = []
    event.listen(
        get_database(mw.crawler).engine, "before_cursor_execute", lambda *args: statements.append(args[2])
    )
    for number in range(100):
        with suppress(IgnoreRequest):
            mw.process_request(Request(page(number)))
    assert len(statements) == 3  # the last run's outcome, the stored articles, the page states


def test_a_full_recrawl_notes_its_fetches(tmp_path: Path) -> None:
    mw, request = middleware(tmp_path, KHABAR_FULL_RECRAWL=True), Request(page(1))
    mw.process_response(request, Response(page(1), status=200, headers={"ETag": '"v2"'}, request=request))
    assert request.meta[META_KEY]["etag"] == '"v2"'


def rows_of(mw: IncrementalMiddleware) -> list[Any]:
    with get_database(mw.crawler).sessions() as session:
        return list(session.scalars(select(PageState.url)))


def gone_after(tmp_path: Path, status: int, url: str) -> list[Any]:
    """The stored article's gone marks after its page answered ``status`` in a run."""
    mw, request = middleware(tmp_path, {page(1): STALE}), Request(url)
    mw.process_response(request, Response(url, status=status, request=request))
    mw.crawler.signals.send_catch_log(signals.spider_closed, spider=Spider("s"), reason="finished")
    with get_database(mw.crawler).sessions() as session:
        return [article.gone_at is not None for article in session.scalars(select(Article))]


@pytest.mark.parametrize("status", [404, 410])
def test_a_stored_article_whose_page_is_gone_is_marked(tmp_path: Path, status: int) -> None:
    assert gone_after(tmp_path, status, page(1)) == [True]


@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_never_marks_an_article_gone(tmp_path: Path, status: int) -> None:
    assert gone_after(tmp_path, status, page(1)) == [False]


def test_a_missing_page_of_no_stored_article_marks_nothing(tmp_path: Path) -> None:
    assert gone_after(tmp_path, 404, page(2)) == [False]


def test_an_unchanged_sitemap_counts_the_urls_it_listed(tmp_path: Path) -> None:
    sitemap = f"{SITE}/sitemap.xml"
    mw = middleware(tmp_path)
    with get_database(mw.crawler).sessions.begin() as session:
        session.add(
            PageState(url=sitemap, etag=ETAG, status=200, fetched_at=STALE, changed_at=STALE, listed=42)
        )
    request = Request(sitemap)
    with pytest.raises(IgnoreRequest):
        mw.process_response(request, Response(sitemap, status=304, request=request))
    assert stat_of(mw, "khabar/discovery/listed_unchanged") == 42


def stat_of(mw: IncrementalMiddleware, key: str) -> Any:
    assert mw.crawler.stats is not None
    return mw.crawler.stats.get_value(key)


def test_a_gone_article_is_not_due_again_in_the_next_run(tmp_path: Path) -> None:
    gone_after(tmp_path, 404, page(1))
    crawler = make_crawler(tmp_path)
    assert list(due_revisits(get_database(crawler), RevisitPolicy(), datetime.now(UTC))) == []
