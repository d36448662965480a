"""``scrapy crawl``, exiting with status 3 when the run failed (it breached an alarm, or closed
with reason ``database_unavailable``: so that cron and Scrapyd notice a run that finished but
is broken), saying in one line why a crawl could not start, and stopping within
``KHABAR_SHUTDOWN_TIMEOUT`` seconds of SIGTERM or SIGINT even while the database hangs
(:mod:`khabar_crawler.runs.shutdown`: a forced stop exits with status 1); otherwise Scrapy's
own command.

The verdict is read from the crawler's stats (``khabar/alarm/failed``, set by
:class:`khabar_crawler.runs.alarms.Alarms`): the command creates the crawler itself, through
the crawler process's public ``create_crawler``, so that it can read its stats once the crawl
is over. ``run`` is Scrapy's (2.19) otherwise: the same usage errors, spider arguments
(``-a``), feeds (``-o``/``-O``, set on the settings by ``process_options``) and exit status 1
when the crawl could not start. (Scrapy's own command also warns when feeds are set while the
FeedExporter extension is off; that warning hangs on a private hook and is left out: the
project never switches the FeedExporter off.)

A crawl that cannot start because of what an operator gave it (a ``DATABASE_URL`` that names
no database, a database that would not open, a snapshot directory or manifest that cannot be
read: the project's own error types, whose message names the bad value) is reported as one
``ERROR`` line, ``The crawl could not run: <what is wrong>``, exit status 1; the traceback is
added when ``LOG_LEVEL`` is ``DEBUG``. Any other exception keeps its traceback. When the
crawl uses the database, ``DATABASE_URL`` is checked and a connection opened (and closed)
before the crawler is made: a bad URL or a database that does not answer stops the command
before anything is fetched, and before Scrapy's engine starts (a component that fails while
the spider opens leaves Scrapy's core stats complaining, with a traceback, as the engine closes).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from khabar_crawler.db.database import DatabaseExtension
from khabar_crawler.db.engine import create_db_engine, database_url
from khabar_crawler.db.errors import DatabaseURLError, check_database_url, database_problem
from khabar_crawler.runs.alarms import EXIT_STATUS, breached
from khabar_crawler.runs.shutdown import install as install_shutdown_watcher
from khabar_crawler.snapshot.manifest import SnapshotError
from khabar_crawler.spiders.khabarayn import SpiderArgumentError

logger = logging.getLogger(__name__)


def uses_database(settings: BaseSettings) -> bool:
    """Whether the crawl opens ``DATABASE_URL`` (its :class:`DatabaseExtension` is enabled)."""
    return any(
        load_object(path) is DatabaseExtension
        for path in build_component_list(settings.getwithbase("EXTENSIONS"))
    )


def check_database(settings: BaseSettings) -> None:
    """Open a connection to ``DATABASE_URL`` and close it: a :class:`DatabaseURLError` or
    SQLAlchemy's error when it cannot be used."""
    url = database_url(settings)
    check_database_url(url)
    engine = create_db_engine(url, settings)
    try:
        with engine.connect():
            pass
    finally:
        engine.dispose()


def debugging(settings: BaseSettings) -> bool:
    """Whether ``LOG_LEVEL`` is ``DEBUG`` (or lower): tracebacks are then shown."""
    level: Any = settings.get("LOG_LEVEL", "DEBUG")
    if isinstance(level, str):
        level = logging.getLevelName(level.upper())
    return isinstance(level, int) and level <= logging.DEBUG


def problem(error: BaseException, settings: BaseSettings) -> str | None:
    """One line saying what is wrong, for an error of the project's own start-up kinds."""
    if isinstance(error, SnapshotError | DatabaseURLError | SpiderArgumentError):
        return str(error)
    if isinstance(error, SQLAlchemyError):
        return database_problem(error, database_url(settings))
    return None


#: close reasons of a run that failed although no alarm says so: the database stayed away
FAILED_REASONS = frozenset({"database_unavailable"})


def failed(stats: StatsCollector) -> bool:
    """Whether the run whose final stats these are failed: an alarm was breached, or the
    crawl closed for a reason of :data:`FAILED_REASONS`."""
    return breached(stats) or stats.get_value("finish_reason") in FAILED_REASONS


def make_log_folder(settings: BaseSettings) -> None:
    """Create the folder of ``LOG_FILE`` (a dated log under ``/var/log/khabar`` on the first
    run of the cron recipe); a UsageError naming it when it cannot be created."""
    log_file = settings.get("LOG_FILE")
    if not log_file:
        return
    folder = Path(str(log_file)).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the folder of LOG_FILE, {folder}: {exc.strerror}", print_help=False
        ) from None


class Command(ScrapyCrawl):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        make_log_folder(self.settings)  # before Scrapy opens the log, with the crawler process

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) < 1:
            raise UsageError
        if len(args) > 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported")
        assert self.crawler_process is not None
        if self.settings is not None and uses_database(self.settings):
            try:
                check_database(self.settings)
            except (DatabaseURLError, SQLAlchemyError) as error:
                self.report(error, self.settings)
                self.exitcode = 1
                return
        crawler = self.crawler_process.create_crawler(args[0])
        crawling = self.crawler_process.crawl(crawler, **opts.spargs)
        self.watch(crawling, crawler.settings)
        watcher = install_shutdown_watcher(self.crawler_process, crawler.settings)
        try:
            self.crawler_process.start()
        finally:
            if watcher is not None:
                watcher.close()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif failed(crawler.stats):
            self.exitcode = EXIT_STATUS

    def watch(self, crawling: Any, settings: BaseSettings) -> None:
        """Report the exception that ends ``crawling`` (an asyncio task, or a Deferred under a
        plain Twisted reactor) here, in place of asyncio's "Task exception was never
        retrieved" and its traceback."""
        if isinstance(crawling, asyncio.Future):

            def done(task: asyncio.Future[Any]) -> None:
                if not task.cancelled() and task.exception() is not None:
                    self.report(task.exception(), settings)

            crawling.add_done_callback(done)
        elif isinstance(crawling, Deferred):

            def failed(failure: Failure) -> None:
                self.report(failure.value, settings)

            crawling.addErrback(failed)

    @staticmethod
    def report(error: BaseException | None, settings: BaseSettings) -> None:
        if error is None:
            return
        message = problem(error, settings)
        if message is None:
            logger.error("The crawl could not run", exc_info=error)
            return
        logger.error("The crawl could not run: %s", message, exc_info=error if debugging(settings) else None)
