"""StorePipeline: write articles and rejected pages to the database (``DATABASE_URL``), in
batches; keep them in the spool when the database stays away.

Articles and :class:`~khabar_crawler.items.RejectedPage` items wait in a batch, written in one
transaction when it holds ``KHABAR_STORE_BATCH_SIZE`` of them or is
``KHABAR_STORE_FLUSH_SECONDS`` old, and when the spider closes (which Scrapy also does on the
first SIGINT/SIGTERM), so that no acknowledged item is lost on a clean or signalled shutdown.
What a batch writes, and what its articles mean for each other and for the stored ones, is
:mod:`khabar_crawler.db.writes`; the states of the pages the items came from are written in
the same transaction.

A batch is written on a thread of its own while the crawl goes on (the next batch fills
meanwhile): a PostgreSQL server spends most of a batch's time computing its search columns
and indexes, on another core, and the crawl need not wait for it. One batch is written at a
time, in order: before the next is handed over, the store waits for the one in flight and
counts what it wrote (so a batch is decided against every row of the batches before it).
``KHABAR_STORE_IN_BACKGROUND = False`` writes each batch on the crawl's thread instead.

When the database fails:

- a transient failure (the server gone or not answering, a lock, a full disk: SQLAlchemy's
  ``OperationalError``/``InterfaceError``) is retried with backoff (0.5 s doubling to 8 s;
  the crawl waits meanwhile, once the next batch is full) for ``KHABAR_DB_RETRY_SECONDS``;
  one log line an attempt;
- if it lasts longer, the batch and every item after it go to the run's spool
  (:mod:`khabar_crawler.db.spool`, ``KHABAR_SPOOL_DIR``, fsynced), the spider is closed with
  reason ``database_unavailable`` (the run fails, ``scrapy crawl`` exits 3), and the next
  crawl writes the spool first, when it opens;
- any other failure of a batch (a row the database refuses) has the batch written again item
  by item; an article that still fails is recorded in ``rejected_pages`` (``store_error``,
  without its page's state: the page is fetched in full again).

No item leaves the store without a row or a spool line; if even the spool cannot be written
(``khabar/store/lost``), the crawl stops and says so. An article whose canonical URL or
article id is already waiting in the batch with the same content is dropped at once
(``khabar/dedupe/duplicate_in_run``); a rejected page is dropped once recorded: feeds carry
articles only. Counts, each once its rows are committed: ``khabar/store/<outcome>`` (``new``,
``updated``, ``unchanged``, ``alias``, ``rejected``), the final verdicts
``khabar/dedupe/<verdict>``, ``khabar/store/batches``, ``khabar/store/batch_errors``,
``khabar/store/db_retries``, ``khabar/store/spooled``; a spool written at start:
``khabar/spool/<outcome>``. Rows are stamped with the crawl run of
:class:`~khabar_crawler.runs.record.RunRecord` (spooled rows with the run that spooled them).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy.exc import SQLAlchemyError

from khabar_crawler.db.database import Database, get_database
from khabar_crawler.db.errors import transient
from khabar_crawler.db.spool import Spool, article_line, drain_spool, rejection_line
from khabar_crawler.db.writes import BatchWrite, Rejection, Written
from khabar_crawler.items import ArticleItem, RejectedPage
from khabar_crawler.runs.record import RunRecord
from khabar_crawler.site import Site

logger = logging.getLogger(__name__)
#: the close reason of a crawl stopped because the database stayed away
DATABASE_UNAVAILABLE = "database_unavailable"
FIRST_DELAY, MAX_DELAY = 0.5, 8.0


def first_line(exc: BaseException) -> str:
    """An exception in one line (SQLAlchemy's messages carry the SQL and a link after it)."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


class Report:
    """What the writing of a batch did, for the crawl's thread to count: stats (``khabar/``
    keys without the prefix) and whether the database stayed away (``gave_up``)."""

    def __init__(self) -> None:
        self.stats: Counter[str] = Counter()
        self.gave_up = False

    def stat(self, key: str, count: int = 1) -> None:
        self.stats[key] += count


class InFlight(threading.Thread):
    """A batch being written on its own (daemon) thread: a hung database call never keeps
    the process from exiting."""

    def __init__(self, write: Callable[[], Report]) -> None:
        super().__init__(name="khabar-store", daemon=True)
        self._write = write
        self.report: Report | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.report = self._write()
        except BaseException as exc:  # handed to the crawl's thread by result()
            self.error = exc

    def result(self) -> Report:
        """Wait for the batch; what it did (its unexpected failure raised here)."""
        self.join()
        if self.error is not None:
            raise self.error
        assert self.report is not None
        return self.report


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.batch_size = max(1, settings.getint("KHABAR_STORE_BATCH_SIZE", 100))
        self.flush_seconds = settings.getfloat("KHABAR_STORE_FLUSH_SECONDS", 5.0)
        self.threshold = settings.getfloat("KHABAR_NEAR_DUPLICATE_SIMILARITY", 0.9)
        self.retry_seconds = settings.getfloat("KHABAR_DB_RETRY_SECONDS", 60)
        self.spool_dir = settings.get("KHABAR_SPOOL_DIR") or "data/spool"
        self.background = settings.getbool("KHABAR_STORE_IN_BACKGROUND", True)
        self.site = Site.from_settings(settings)
        self.database: Database | None = None
        self.run: RunRecord | None = None
        self._items: list[ArticleItem] = []
        self._rejections: list[Rejection] = []
        # the content hash of the waiting articles, by canonical URL and by article id
        self._waiting_urls: dict[str, str] = {}
        self._waiting_ids: dict[str, str] = {}
        self._last_flush = time.monotonic()
        #: the database stayed away: everything goes to the spool
        self.unavailable = False
        #: the batch being written (background writes)
        self._in_flight: InFlight | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self, spider: Spider | None = None) -> None:
        self.database = get_database(self.crawler)
        self.run = self.crawler.get_extension(RunRecord)
        for outcome, count in drain_spool(self.database, self.spool_dir, self.site, self.threshold).items():
            self._stat(f"spool/{outcome}", count)

    def close_spider(self, spider: Spider | None = None) -> None:
        self.flush()
        self.settle()

    def _stat(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"khabar/{key}", count)

    def _count(self, report: Report) -> None:
        """Count a written batch (on the crawl's thread); stop the crawl if the database
        stayed away."""
        for key, count in report.stats.items():
            self._stat(key, count)
        if report.gave_up and not self.unavailable:
            self.unavailable = True
            if self.crawler.crawling:  # (no engine when the pipeline runs outside a crawl)
                deferred_from_coro(self.crawler.engine.close_spider_async(reason=DATABASE_UNAVAILABLE))

    def settle(self, wait: bool = True) -> None:
        """Count the batch in flight once written (``wait``: wait for it; else only if it is
        done)."""
        batch = self._in_flight
        if batch is None or (not wait and batch.is_alive()):
            return
        self._in_flight = None
        self._count(batch.result())

    def process_item(self, item: Any) -> Any:
        if isinstance(item, RejectedPage):
            rejection = Rejection(item.url, item.reason, item.detail, datetime.now(UTC), item.page_state)
            self._rejections.append(rejection)
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
        self.settle(wait=False)
        if self.unavailable:
            self.flush()
            return
        pending = len(self._items) + len(self._rejections)
        if pending >= self.batch_size or time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush()

    def _take(self) -> tuple[list[ArticleItem], list[Rejection]]:
        items, rejections = self._items, self._rejections
        self._items, self._rejections = [], []
        self._waiting_urls, self._waiting_ids = {}, {}
        self._last_flush = time.monotonic()
        return items, rejections

    def flush(self) -> None:
        """Write what waits in one transaction: retried while the database is away, item by
        item if the database refuses the batch, spooled if it stays away."""
        if not self._items and not self._rejections:
            return
        self.settle()  # one batch at a time, in order (what waits stays if the last one failed)
        items, rejections = self._take()
        if self.unavailable:
            report = Report()
            self._spool(items, rejections, report)
            self._count(report)
        elif self.background:
            self._in_flight = InFlight(lambda: self._store(items, rejections))
            self._in_flight.start()
        else:
            self._count(self._store(items, rejections))

    def _store(self, items: list[ArticleItem], rejections: list[Rejection]) -> Report:
        """Write a batch (on the writer's thread: nothing here touches the crawl's state);
        what it did."""
        report = Report()
        try:
            try:
                written = self._write_retrying(items, rejections, report)
            except SQLAlchemyError as exc:
                if transient(exc):
                    raise
                logger.error(
                    "A batch of %d items failed (%s); writing it item by item", len(items), first_line(exc)
                )
                report.stat("store/batch_errors")
                written, rejections = self._write_one_by_one(items, rejections)
        except SQLAlchemyError as exc:  # transient, for longer than the retries
            self._give_up(exc, items, rejections, report)
            return report
        for entry in written:
            report.stat(f"dedupe/{entry.verdict}")
            report.stat(f"store/{entry.outcome}")
        report.stat("store/rejected", len(rejections))
        report.stat("store/batches")
        return report

    def _write_retrying(
        self, items: list[ArticleItem], rejections: list[Rejection], report: Report
    ) -> list[Written]:
        """One transaction, tried again on a transient failure until ``retry_seconds`` passed."""
        started, delay, attempt = time.monotonic(), FIRST_DELAY, 1
        while True:
            try:
                return self._write(items, rejections)
            except SQLAlchemyError as exc:
                waited = time.monotonic() - started
                if not transient(exc) or waited + delay > self.retry_seconds:
                    raise
                logger.warning(
                    "The database failed a batch of %d items (attempt %d, %s); retrying in %.1f s",
                    len(items) + len(rejections),
                    attempt,
                    first_line(exc),
                    delay,
                )
                report.stat("store/db_retries")
            time.sleep(delay)
            delay, attempt = min(delay * 2, MAX_DELAY), attempt + 1

    def _give_up(
        self, exc: BaseException, items: list[ArticleItem], rejections: list[Rejection], report: Report
    ) -> None:
        """The database stayed away: spool what is in hand; the crawl's thread closes the
        spider (:meth:`_count`)."""
        report.gave_up = True
        logger.error(
            "The database stayed unavailable for %.0f s (%s): stopping the crawl; items go to the spool %s",
            self.retry_seconds,
            first_line(exc),
            self._spool_file().path,
        )
        self._spool(items, rejections, report)

    def _spool_file(self) -> Spool:
        return Spool(self.spool_dir, self.run.run_id if self.run is not None else None)

    def _spool(self, items: list[ArticleItem], rejections: list[Rejection], report: Report) -> None:
        if not items and not rejections:
            return
        lines = [article_line(item) for item in items] + [rejection_line(r) for r in rejections]
        try:
            self._spool_file().append(lines)
        except OSError as exc:
            report.stat("store/lost", len(lines))
            logger.error(
                "LOST %d items: neither the database nor the spool could take them (%s)", len(lines), exc
            )
            return
        report.stat("store/spooled", len(lines))

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
        failed again, without their page states) in one."""
        written: list[Written] = []
        rejections = list(rejections)
        for item in items:
            try:
                written += self._write([item], [])
            except SQLAlchemyError as exc:
                if transient(exc):
                    raise  # the database went away: the batch goes to the spool
                logger.error("Could not store %s: %s", item.canonical_url, first_line(exc))
                rejections.append(
                    Rejection(item.canonical_url, "store_error", first_line(exc), datetime.now(UTC))
                )
        if rejections:
            self._write([], rejections)
        return written, rejections
