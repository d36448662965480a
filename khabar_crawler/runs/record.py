"""RunRecord: the crawl's ``crawl_runs`` row, from the spider's opening to its close.

When the spider opens, the row is created (host, pid, spider, arguments, status
``running``), after the runs of this host still marked ``running`` whose process is gone
(killed, crashed) are marked ``killed`` (counted as ``khabar/runs/recovered``). The store
stamps the articles, versions and rejected pages it writes with :attr:`RunRecord.run_id`.

While the crawl runs, every ``KHABAR_HEARTBEAT_SECONDS`` (30; 0 switches it off) the row gets
its counts so far and ``heartbeat_at``, and the log a line with them (``Crawl run 12 so far:
340 pages fetched, 120 new, 3 updated, 200 unchanged, 0 rejected, 0 errors``): ``khabar
stats`` shows a running crawl's progress, and a running row whose heartbeat stopped as stale.
A heartbeat the database refuses is skipped with a warning (the store says loudly what a
database outage means).

When the spider closes (after the store wrote its last batch), the row is finished from the
crawler's stats: its finish reason, its status, its counts (the store's counts of the rows it
wrote) and the stats themselves. The status is ``failed`` when an alarm is breached — asked
of the alarms through :meth:`~khabar_crawler.runs.alarms.Alarms.check`, which evaluates them
once whoever asks first, so the row never depends on the order of the signal handlers —
else it follows the finish reason (:func:`run_status`).

When the database cannot take the row at close (it went away: the store's items are in the
spool already), the closing is written to the run's spool file instead, and the next crawl
closes the row from it (:mod:`khabar_crawler.db.spool`).

A crawl that stores nothing (no ``ITEM_PIPELINES``) keeps no run row: the extension is then
not configured.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from twisted.internet.task import LoopingCall

from khabar_crawler.db.database import get_database
from khabar_crawler.db.errors import transient
from khabar_crawler.db.models import CrawlRun
from khabar_crawler.db.spool import Spool
from khabar_crawler.db.values import jsonable
from khabar_crawler.runs.alarms import Alarms, breached

logger = logging.getLogger(__name__)

#: the ``crawl_runs`` count columns and the stats they are read from
COUNTS: dict[str, str] = {
    "pages_fetched": "response_received_count",
    "items_new": "khabar/store/new",
    "items_updated": "khabar/store/updated",
    "items_unchanged": "khabar/store/unchanged",
    "items_rejected": "khabar/store/rejected",
    "errors": "log_count/ERROR",
}


def run_status(reason: str | None) -> str:
    """``finished`` for a normal end (closespider limits included), ``interrupted`` for a
    signalled shutdown, ``failed`` otherwise."""
    if reason == "finished" or (reason or "").startswith("closespider_"):
        return "finished"
    if reason == "shutdown":
        return "interrupted"
    return "failed"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return pid != os.getpid()


def close_dead_runs(session: Session) -> list[int]:
    """Mark ``killed`` the runs of this host still 'running' whose process is gone (SIGKILL,
    crash); their ids."""
    dead = []
    host = socket.gethostname()
    for run in session.scalars(select(CrawlRun).where(CrawlRun.status == "running", CrawlRun.host == host)):
        if run.pid is None or not _process_alive(run.pid):
            run.status, run.finish_reason = "killed", "killed"
            dead.append(run.id)
    return dead


class RunRecord:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        #: the ``crawl_runs`` id of this crawl, once the spider opened
        self.run_id: int | None = None
        self.heartbeat_seconds = crawler.settings.getfloat("KHABAR_HEARTBEAT_SECONDS", 30)
        self._heartbeat: LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecord:
        if not crawler.settings.get("ITEM_PIPELINES"):
            raise NotConfigured("a crawl without item pipelines stores nothing and keeps no run row")
        return cls(crawler)

    def _stats(self) -> dict[str, Any]:
        assert self.crawler.stats is not None
        stats: dict[str, Any] = self.crawler.stats.get_stats()
        return stats

    def spider_opened(self, spider: Spider) -> None:
        with get_database(self.crawler).sessions.begin() as session:
            recovered = close_dead_runs(session)
            run = CrawlRun(
                host=socket.gethostname(),
                pid=os.getpid(),
                spider=spider.name,
                started_at=datetime.now(UTC),
                status="running",
                arguments=dict(getattr(spider, "arguments", {}) or {}),
            )
            session.add(run)
            session.flush()
            self.run_id = run.id
        if recovered:
            assert self.crawler.stats is not None
            self.crawler.stats.set_value("khabar/runs/recovered", recovered)
            logger.warning("Earlier run(s) %s ended without closing (killed?): marked 'killed'", recovered)
        logger.info("Crawl run %s started", self.run_id)
        if self.heartbeat_seconds > 0 and self.crawler.crawling:  # (a reactor runs the timer)
            self._heartbeat = LoopingCall(self.heartbeat)
            self._heartbeat.start(self.heartbeat_seconds, now=False)

    def _counts(self, stats: dict[str, Any]) -> dict[str, int]:
        return {column: int(stats.get(key, 0)) for column, key in COUNTS.items()}

    def heartbeat(self) -> None:
        """Write the counts so far and the time into the row."""
        if self.run_id is None:
            return
        counts = self._counts(self._stats())
        logger.info(
            "Crawl run %s so far: %s",
            self.run_id,
            ", ".join(
                f"{count} {column.removeprefix('items_').replace('_', ' ')}"
                for column, count in counts.items()
            ),
        )
        try:
            with get_database(self.crawler).sessions.begin() as session:
                run = session.get(CrawlRun, self.run_id)
                if run is None or run.status != "running":
                    return
                for column, count in counts.items():
                    setattr(run, column, count)
                run.heartbeat_at = datetime.now(UTC)
        except SQLAlchemyError as exc:
            logger.warning("Heartbeat of crawl run %s skipped: %s", self.run_id, str(exc).splitlines()[0])

    def status(self, reason: str) -> str:
        """The run's status: ``failed`` when an alarm is breached, else by the finish reason."""
        alarms = self.crawler.get_extension(Alarms)
        if alarms is not None:
            alarms.check(reason)  # evaluated once, whoever asks first; recorded in the stats
        assert self.crawler.stats is not None
        return "failed" if breached(self.crawler.stats) else run_status(reason)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        if self.run_id is None:
            return
        status = self.status(reason)
        stats = self._stats()
        closing: dict[str, Any] = {
            "finished_at": datetime.now(UTC),
            "finish_reason": reason,
            "status": status,
            "counts": self._counts(stats),
            "stats": {key: jsonable(value) for key, value in sorted(stats.items())},
        }
        try:
            with get_database(self.crawler).sessions.begin() as session:
                run = session.get(CrawlRun, self.run_id)
                assert run is not None
                run.finished_at = closing["finished_at"]
                run.finish_reason, run.status, run.stats = reason, status, closing["stats"]
                for column, count in closing["counts"].items():
                    setattr(run, column, count)
        except SQLAlchemyError as exc:
            if not transient(exc):
                raise
            self._spool_closing(closing, exc)
            return
        logger.info("Crawl run %s %s (%s)", self.run_id, status, reason)

    def _spool_closing(self, closing: dict[str, Any], exc: SQLAlchemyError) -> None:
        """The row cannot be written: its closing goes to the run's spool file."""
        spool = Spool(self.crawler.settings.get("KHABAR_SPOOL_DIR") or "data/spool", self.run_id)
        closing = {**closing, "kind": "run", "finished_at": closing["finished_at"].isoformat()}
        spool.append([closing])
        logger.error(
            "Crawl run %s %s (%s), but its row could not be written (%s): kept in %s for the next run",
            self.run_id,
            closing["status"],
            closing["finish_reason"],
            str(getattr(exc, "orig", None) or exc).strip().splitlines()[0],
            spool.path,
        )
