"""StorePipeline: write articles and rejected pages to the database (``DATABASE_URL``), in
batches.

Articles and :class:`~khabar_crawler.items.RejectedPage` items wait in a batch, written in one
transaction when it holds ``KHABAR_STORE_BATCH_SIZE`` of them or is
``KHABAR_STORE_FLUSH_SECONDS`` old, and when the spider closes (which Scrapy also does on the
first SIGINT/SIGTERM), so that no acknowledged item is lost on a clean or signalled shutdown.
What a batch writes, and what its articles mean for each other and for the stored ones, is
:mod:`khabar_crawler.db.writes`. A batch that fails is written again item by item; an article
that still fails is recorded in ``rejected_pages`` (``store_error``).

An article whose canonical URL or article id is already waiting in the batch with the same
content is dropped at once (``khabar/dedupe/duplicate_in_run``); a rejected page is dropped
once recorded: feeds carry articles only. Counts, each once its rows are committed:
``khabar/store/<outcome>`` (``new``, ``updated``, ``unchanged``, ``alias``, ``rejected``),
the final verdicts ``khabar/dedupe/<verdict>``, ``khabar/store/batches`` and
``khabar/store/batch_errors``. Rows are stamped with the crawl run of
:class:`~khabar_crawler.runs.record.RunRecord`.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from khabar_crawler.db.database import Database, get_database
from khabar_crawler.db.writes import BatchWrite, Rejection, Written
from khabar_crawler.items import ArticleItem, RejectedPage
from khabar_crawler.runs.record import RunRecord
from khabar_crawler.site import Site

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler, batch_size: int, flush_seconds: float, threshold: float) -> None:
        self.crawler = crawler
        self.batch_size = max(1, batch_size)
        self.flush_seconds = flush_seconds
        self.threshold = threshold
        self.site = Site.from_settings(crawler.settings)
        self.database: Database | None = None
        self.run: RunRecord | None = None
        self._items: list[ArticleItem] = []
        self._rejections: list[Rejection] = []
        # the content hash of the waiting articles, by canonical URL and by article id
        self._waiting_urls: dict[str, str] = {}
        self._waiting_ids: dict[str, str] = {}
        self._last_flush = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        settings = crawler.settings
        return cls(
            crawler,
            settings.getint("KHABAR_STORE_BATCH_SIZE", 100),
            settings.getfloat("KHABAR_STORE_FLUSH_SECONDS", 5.0),
            settings.getfloat("KHABAR_NEAR_DUPLICATE_SIMILARITY", 0.9),
        )

    def open_spider(self, spider: Spider | None = None) -> None:
        self.database = get_database(self.crawler)
        self.run = self.crawler.get_extension(RunRecord)

    def close_spider(self, spider: Spider | None = None) -> None:
        self.flush()

    def _stat(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"khabar/{key}", count)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, RejectedPage):
            self._rejections.append(Rejection(item.url, item.reason, item.detail, datetime.now(UTC)))
            self._maybe_flush()
            raise DropItem(f"recorded as rejected: {item.reason} ({item.url})", log_level="DEBUG")
        if isinstance(item, ArticleItem):
            if self._waiting_copy(item):
                self._stat("dedupe/duplicate_in_run")
                raise DropItem(f"duplicate of {item.canonical_url} earlier in this run", log_level="DEBUG")
            self._items.append(item)
            self._maybe_flush()
        return item

    def _waiting_copy(self, item: ArticleItem) -> bool:
        """Whether the same article (canonical URL, else article id) waits in the batch with
        the same content; the item waits from now on."""
        digest = item.pipeline.content_hash
        assert digest is not None, "the dedupe pipeline fingerprints articles before the store"
        earlier = self._waiting_urls.get(item.canonical_url)
        if earlier is None and item.article_id:
            earlier = self._waiting_ids.get(item.article_id)
        self._waiting_urls[item.canonical_url] = digest
        if item.article_id:
            self._waiting_ids[item.article_id] = digest
        return earlier == digest

    def _maybe_flush(self) -> None:
        pending = len(self._items) + len(self._rejections)
        if pending >= self.batch_size or time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        """Write what waits in one transaction (item by item if the batch fails)."""
        items, rejections = self._items, self._rejections
        self._items, self._rejections = [], []
        self._waiting_urls, self._waiting_ids = {}, {}
        self._last_flush = time.monotonic()
        if not items and not rejections:
            return
        try:
            written = self._write(items, rejections)
        except Exception:
            logger.exception("Batch of %d items failed; retrying item by item", len(items))
            self._stat("store/batch_errors")
            written, rejections = self._write_one_by_one(items, rejections)
        for entry in written:
            self._stat(f"dedupe/{entry.verdict}")
            self._stat(f"store/{entry.outcome}")
        self._stat("store/rejected", len(rejections))
        self._stat("store/batches")

    def _write(self, items: list[ArticleItem], rejections: list[Rejection]) -> list[Written]:
        """One transaction."""
        assert self.database is not None
        run_id = self.run.run_id if self.run is not None else None
        with self.database.sessions.begin() as session, session.no_autoflush:
            # one flush at commit: the batch's ORM changes go out together
            return BatchWrite(session, run_id, self.site, self.threshold).write(items, rejections)

    def _write_one_by_one(
        self, items: list[ArticleItem], rejections: list[Rejection]
    ) -> tuple[list[Written], list[Rejection]]:
        """Each article in its own transaction, then the rejections (with the articles that
        failed again) in one."""
        written: list[Written] = []
        rejections = list(rejections)
        for item in items:
            try:
                written += self._write([item], [])
            except Exception as exc:
                logger.error("Could not store %s: %s: %s", item.canonical_url, type(exc).__name__, exc)
                detail = f"{type(exc).__name__}: {exc}"
                rejections.append(Rejection(item.canonical_url, "store_error", detail, datetime.now(UTC)))
        if rejections:
            self._write([], rejections)
        return written, rejections
