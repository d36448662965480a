"""A 503 or 429 with Retry-After is retried after that long, up to KHABAR_RETRY_AFTER_MAX; over
it, given up for the run; never retried at once (khabar_crawler.frontier.retry)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from khabar_crawler.frontier.retry import RetryMiddleware, retry_after

URL = "https://khabarayn.com/feed/"
NOW = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)


def middleware(**settings: Any) -> RetryMiddleware:
    crawler = get_crawler(Spider, settings_dict={"KHABAR_RETRY_AFTER_MAX": 60, **settings})
    crawler.spider = Spider.from_crawler(crawler, "limits")
    assert crawler.stats is not None
    crawler.stats.open_spider()
    crawler.crawling = True  # as while a crawl runs
    return RetryMiddleware.from_crawler(crawler)


def answer(status: int, retry_after_value: str | None = None) -> Response:
    headers = {"Retry-After": retry_after_value} if retry_after_value is not None else {}
    return Response(URL, status=status, headers=headers, request=Request(URL))


def respond(mw: RetryMiddleware, response: Response) -> tuple[Request | Response, float]:
    """What the middleware makes of a response, and how long it took (the loop time)."""

    async def main() -> tuple[Request | Response, float]:
        loop = asyncio.get_running_loop()
        start = loop.time()
        result = await mw.process_response(Request(URL), response)
        return result, loop.time() - start

    return asyncio.run(main())


def stat(mw: RetryMiddleware, key: str) -> Any:
    assert mw.crawler.stats is not None
    return mw.crawler.stats.get_value(key)


def test_seconds_are_read() -> None:
    assert retry_after(answer(503, "120")) == 120.0


def test_an_http_date_is_read_as_the_seconds_until_it() -> None:
    assert retry_after(answer(503, format_datetime(NOW + timedelta(seconds=90), usegmt=True)), NOW) == 90.0


def test_a_date_gone_by_is_no_wait() -> None:
    assert retry_after(answer(503, format_datetime(NOW - timedelta(hours=1), usegmt=True)), NOW) == 0.0


def test_garbage_is_no_retry_after() -> None:
    assert retry_after(answer(503, "soon")) is None


def test_a_503_is_retried_after_its_retry_after() -> None:
    result, waited = respond(middleware(), answer(503, "1"))
    assert (isinstance(result, Request), waited >= 1.0) == (True, True)


def test_a_429_is_retried_after_its_retry_after() -> None:
    result, waited = respond(middleware(), answer(429, "1"))
    assert (isinstance(result, Request), waited >= 1.0) == (True, True)


def test_the_wait_does_not_block_the_reactor() -> None:
    mw = middleware()

    async def main() -> int:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.1)
                ticks += 1

        ticker = asyncio.ensure_future(tick())
        await mw.process_response(Request(URL), answer(503, "1"))
        ticker.cancel()
        return ticks

    assert asyncio.run(main()) >= 5


def test_a_wait_is_counted() -> None:
    mw = middleware()
    respond(mw, answer(503, "0"))
    assert stat(mw, "khabar/retry/after_waited") == 1


def test_a_wait_over_the_cap_gives_up_at_once() -> None:
    response = answer(503, "3600")
    result, waited = respond(middleware(), response)
    assert (result is response, waited < 0.5) == (True, True)


def test_a_wait_over_the_cap_is_counted() -> None:
    mw = middleware()
    respond(mw, answer(503, "3600"))
    assert stat(mw, "khabar/retry/after_too_long") == 1


def test_a_wait_over_the_cap_is_logged_with_the_url(caplog: pytest.LogCaptureFixture) -> None:
    respond(middleware(), answer(503, "3600"))
    assert any(URL in record.getMessage() and record.levelname == "WARNING" for record in caplog.records)


def test_the_cap_is_a_setting() -> None:
    result, _ = respond(middleware(KHABAR_RETRY_AFTER_MAX=0), answer(503, "1"))
    assert isinstance(result, Response)


def test_retries_used_up_are_not_waited_for() -> None:
    response = answer(503, "1")
    result, waited = respond(middleware(RETRY_TIMES=0), response)
    assert (result is response, waited < 0.5) == (True, True)


def test_a_503_without_retry_after_is_retried_as_scrapy_does() -> None:
    result, _ = respond(middleware(), answer(503))
    assert isinstance(result, Request)


def test_a_crawl_being_stopped_cuts_the_wait_short() -> None:
    mw = middleware()
    mw.crawler.crawling = False  # Ctrl-C, SIGTERM
    response = answer(503, "30")
    result, waited = respond(mw, response)
    assert (result is response, waited < 0.5) == (True, True)


def test_a_success_passes() -> None:
    response = answer(200, "1")
    result, _ = respond(middleware(), response)
    assert result is response
