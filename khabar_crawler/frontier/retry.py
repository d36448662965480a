"""Retries that honour ``Retry-After`` (downloader middleware, replacing Scrapy's RetryMiddleware).

Scrapy retries a 503 or a 429 at once, whatever the server asked: a site answering
``503 Retry-After: 3600`` was asked again three times within 1.4 s. Here a 503 or 429 that
says ``Retry-After`` (seconds, or an HTTP date) is

- retried after that long when it is at most ``KHABAR_RETRY_AFTER_MAX`` seconds
  (``khabar/retry/after_waited``), within the usual ``RETRY_TIMES``;
- given up for this run when it is longer (``khabar/retry/after_too_long``, a warning with the
  URL): the page is fetched again by the next run, as any page that failed.

Everything else (no ``Retry-After``, other statuses, exceptions) is retried as Scrapy does.

The wait is an ``await`` in ``process_response`` (a coroutine, which Scrapy allows downloader
middlewares) on :func:`scrapy.utils.asyncio.sleep`: the reactor keeps running, other requests
keep being downloaded, and the waiting request stays among the downloader's active ones, so the
crawl does not close while it waits. It takes one place of ``CONCURRENT_REQUESTS`` meanwhile
(its download slot is free), which is why the wait is capped. Scrapy's close waits for such
requests, so the wait is taken in short steps and cut short when the crawl is being stopped
(Ctrl-C, SIGTERM: ``crawler.crawling`` turns false); the page is then given up for the run.
A per-slot delay (every request to the host held back) would need the downloader's slots,
which are Scrapy internals that AutoThrottle rewrites on every response.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware as ScrapyRetryMiddleware
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

#: the statuses whose Retry-After says when to come back (RFC 9110 §10.2.3)
RETRY_AFTER_STATUSES = frozenset({429, 503})
#: how often a waiting request looks whether the crawl is being stopped (seconds)
STOP_CHECK_EVERY = 0.5


def retry_after(response: Response, now: datetime | None = None) -> float | None:
    """The seconds a response's ``Retry-After`` asks to wait (0 for a date gone by), or None
    when it has none or one that is neither a number of seconds nor an HTTP date."""
    raw = response.headers.get(b"Retry-After")
    if not raw:
        return None
    value = raw.decode("latin-1").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryMiddleware(ScrapyRetryMiddleware):
    """Scrapy's retries, with a 503 or 429 retried only after the ``Retry-After`` it gives."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.retry_after_max = settings.getfloat("KHABAR_RETRY_AFTER_MAX", 60.0)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        wait = None
        if response.status in RETRY_AFTER_STATUSES and not request.meta.get("dont_retry", False):
            wait = retry_after(response)
        if wait is None:
            answer: Request | Response = super().process_response(request, response)
            return answer
        if response.status not in self.retry_http_codes:
            return response
        stats = self.crawler.stats
        assert stats is not None
        if wait > self.retry_after_max:
            stats.inc_value("khabar/retry/after_too_long")
            logger.warning(
                "Given up for this run: %s answered %d with Retry-After %.0f s"
                " (over KHABAR_RETRY_AFTER_MAX, %.0f s)",
                request.url,
                response.status,
                wait,
                self.retry_after_max,
            )
            return response
        assert self.crawler.spider is not None
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=response_status_message(response.status),
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=request.meta.get("priority_adjust", self.priority_adjust),
            give_up_log_level=request.meta.get("give_up_log_level", self.give_up_log_level),
        )
        if retry is None:
            return response  # retries used up: given up as Scrapy gives up
        stats.inc_value("khabar/retry/after_waited")
        logger.info("Waiting %.1f s (Retry-After) before retrying %s", wait, request.url)
        if not await self.wait(wait):
            logger.info("Crawl stopping: not retrying %s", request.url)
            return response
        return retry

    async def wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` without blocking the reactor; False when cut short because the
        crawl is being stopped (a stop would otherwise wait for this request)."""
        loop_end = time.monotonic() + seconds
        while (left := loop_end - time.monotonic()) > 0:
            if not self.crawler.crawling:
                return False
            await sleep(min(left, STOP_CHECK_EVERY))
        return True
