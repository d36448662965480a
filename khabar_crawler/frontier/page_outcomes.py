"""A page's state (validators, fetch time) is saved with the page's outcome, never before it.

The incremental middleware notes each 200 response's new state on the request
(``meta["khabar_page_state"]``) and saves none itself. This spider middleware reads the
callback's output:

- an item of the page (an :class:`~khabar_crawler.items.ArticleItem` or a
  :class:`~khabar_crawler.items.RejectedPage`) carries the state on to the store, which writes
  it in the item's own transaction (an item lost before it is stored leaves the page to be
  fetched in full again);
- a page that gives no item (home, listings, feeds, sitemaps) has its state saved once its
  output was read to the end, its links handed to the scheduler, with the number of article
  URLs it listed (requests that carry a sitemap's or feed's ``lastmod``), which a later 304
  counts again; a callback that fails saves nothing.

States that ride on no item (those pages, and the fetch times of 304 answers) are written in
batches of ``KHABAR_PAGE_STATE_FLUSH_EVERY`` (:class:`PageStateBatch`) and when the spider
closes. A batch that cannot be written is logged in one line and given up: a lost state only
means a page fetched in full once more. Why the links of a page whose state is saved are not
lost when a run dies is :mod:`khabar_crawler.db.page_states`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from sqlalchemy.exc import SQLAlchemyError

from khabar_crawler.db.database import get_database
from khabar_crawler.db.page_states import PageStateRow, write_page_states
from khabar_crawler.items import ArticleItem, RejectedPage

logger = logging.getLogger(__name__)
#: the request meta key of a fetched page's state, until its outcome is known
META_KEY = "khabar_page_state"


def incremental(crawler: Crawler) -> bool:
    """Whether the crawl keeps page states (a live crawl with ``KHABAR_INCREMENTAL``)."""
    settings = crawler.settings
    return not settings.get("KHABAR_REPLAY_DIR") and settings.getbool("KHABAR_INCREMENTAL", True)


def carry(item: ArticleItem | RejectedPage, state: PageStateRow) -> None:
    """Hand the page's state to its item, for the store."""
    if isinstance(item, ArticleItem):
        item.pipeline.page_state = state
    else:
        item.page_state = state


class PageStateBatch:
    """Page states written in batches on their own (states that ride on no item)."""

    def __init__(self, crawler: Crawler, flush_every: int) -> None:
        self.crawler = crawler
        self.flush_every = max(1, flush_every)
        self.rows: list[PageStateRow] = []
        crawler.signals.connect(self.flush, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageStateBatch:
        return cls(crawler, crawler.settings.getint("KHABAR_PAGE_STATE_FLUSH_EVERY", 100))

    def add(self, row: PageStateRow) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        rows, self.rows = self.rows, []
        if not rows:
            return
        try:
            with get_database(self.crawler).engine.begin() as connection:
                write_page_states(connection, rows)
        except SQLAlchemyError as exc:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("khabar/incremental/states_lost", len(rows))
            logger.error(
                "Could not save %d page states (those pages are fetched in full next time): %s",
                len(rows),
                str(exc).splitlines()[0],
            )


class PageOutcomeMiddleware:
    """Spider middleware: see the module."""

    def __init__(self, crawler: Crawler) -> None:
        self.states = PageStateBatch.from_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageOutcomeMiddleware:
        if not incremental(crawler):
            raise NotConfigured("replays keep no page states")
        return cls(crawler)

    def _carried(self, output: Any, state: PageStateRow) -> bool:
        if isinstance(output, ArticleItem | RejectedPage):
            carry(output, state)
            return True
        return False

    def _save(self, state: PageStateRow, listed: int) -> None:
        self.states.add({**state, "listed": listed or None})

    def process_spider_output(
        self, response: Response, result: Iterable[Any], spider: Spider | None = None
    ) -> Iterator[Any]:
        state: PageStateRow | None = response.meta.get(META_KEY)
        if state is None:
            yield from result
            return
        carried, listed = False, 0
        for output in result:
            carried = self._carried(output, state) or carried
            listed += isinstance(output, Request) and "lastmod" in output.meta
            yield output
        if not carried:
            self._save(state, listed)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any], spider: Spider | None = None
    ) -> AsyncIterator[Any]:
        state: PageStateRow | None = response.meta.get(META_KEY)
        carried, listed = False, 0
        async for output in result:
            carried = (state is not None and self._carried(output, state)) or carried
            listed += isinstance(output, Request) and "lastmod" in output.meta
            yield output
        if state is not None and not carried:
            self._save(state, listed)
