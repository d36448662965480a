"""A site that stops answering stops the crawl (downloader middleware).

When ``KHABAR_UNREACHABLE_AFTER`` (50) downloads in a row fail without any response at all
(connection refused or reset, DNS, timeouts; every retry counts), the spider is closed with
reason ``site_unreachable``: the ``site_unreachable`` alarm fails the run (exit 3), and the
next run, after a run that did not end cleanly, reads the whole site's discovery again. Without
it, a site that went down mid-run costs every waiting request its retries and timeouts, and a
day's due revisits fill the log. Any response, a 5xx included, starts the count again. Counted
in ``khabar/unreachable/failures_in_a_row`` (the longest run of failures). Off in replays and
with 0.
"""

from __future__ import annotations

import logging

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro

logger = logging.getLogger(__name__)
#: the close reason of a crawl whose site stopped answering
SITE_UNREACHABLE = "site_unreachable"


class UnreachableSite:
    def __init__(self, crawler: Crawler, limit: int) -> None:
        self.crawler = crawler
        self.limit = limit
        self.failures = 0
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UnreachableSite:
        limit = crawler.settings.getint("KHABAR_UNREACHABLE_AFTER", 50)
        if limit <= 0 or crawler.settings.get("KHABAR_REPLAY_DIR"):
            raise NotConfigured
        return cls(crawler, limit)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        self.failures = 0
        return response

    def process_exception(self, request: Request, exception: Exception, spider: Spider | None = None) -> None:
        if isinstance(exception, IgnoreRequest):
            return
        self.failures += 1
        assert self.crawler.stats is not None
        self.crawler.stats.max_value("khabar/unreachable/failures_in_a_row", self.failures)
        if self.failures >= self.limit and not self.closing:
            self.closing = True
            logger.error(
                "The site stopped answering: %d downloads in a row failed without a response"
                " (the last: %s: %s); stopping the crawl",
                self.failures,
                type(exception).__name__,
                exception,
            )
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=SITE_UNREACHABLE))
