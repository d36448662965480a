"""Less of Scrapy's own work per page: stats without a wrapper per call, no log record built
below the log level, the cyclic garbage collector kept off start-up's objects.

Measured with instruction counts (callgrind) on replays of a synthetic snapshot, the marginal
cost of a page, 200 pages against 600 (issue 18):

- :class:`LeanStatsCollector` (``STATS_CLASS``): Scrapy 2.19's stats collector answers every
  attribute lookup with a Python ``__getattribute__`` and wraps every method in a check for
  the deprecated ``spider`` argument: about 60 stats calls a page paid three Python frames
  each. Here the methods are plain, and they warn about ``spider`` only when one is passed.
  Same keys, same values. :meth:`~LeanStatsCollector.inc_values` counts a page's keys in one
  call.
- :class:`LeanLogFormatter` (``LOG_FORMATTER``): Scrapy builds the arguments of its per-page
  DEBUG lines ("Crawled (200)", "Scraped from") before asking whether anyone listens; here
  nothing is built when the logger is not enabled for the line's level.
- :class:`LeanRuntime` (an extension): Scrapy sets the root logger to ``NOTSET`` and its
  ``scrapy`` logger to ``DEBUG``, and filters by level in its handler, so every record below
  ``LOG_LEVEL`` is built, handed to the handlers and dropped there. When the crawl starts, the
  two loggers' levels are raised to the lowest level of any handler (never when a handler
  takes everything, as pytest's capture does), so that ``logger.debug`` returns at once; the
  levels are put back when the engine stops. With ``KHABAR_GC_FREEZE`` it also moves the
  objects of start-up (modules, settings, compiled XPath and regular expressions, the
  snapshot's manifest) to the garbage collector's permanent generation (:func:`gc.freeze`),
  so that full collections do not walk them again and again during the crawl; with
  ``KHABAR_GC_THRESHOLD`` it raises the youngest generation's threshold (Python's default is
  700 allocations) for the crawl. Both are undone when the engine stops. Replays of 3,000
  articles: the collector took 15% of the CPU time without the freeze, 9% with it (its own
  time -40 to -48% in three rounds; the whole crawl's CPU time -6 to -11%), and the
  threshold at 10,000 took another third off the collector's time (-3 to -5% of the crawl's
  CPU time, 7 MB more peak memory).
"""

from __future__ import annotations

import gc
import logging
import warnings
from collections.abc import Iterable
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.http import Request, Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from scrapy.statscollectors import MemoryStatsCollector, StatsT
from twisted.python.failure import Failure

_ENGINE_LOGGER = logging.getLogger("scrapy.core.engine")
_SCRAPER_LOGGER = logging.getLogger("scrapy.core.scraper")


def _spider_argument(method: str) -> None:
    warnings.warn(
        f"Passing a 'spider' argument to StatsCollector.{method}() is deprecated and "
        "the argument will be removed in a future Scrapy version.",
        category=ScrapyDeprecationWarning,
        stacklevel=3,
    )


class LeanStatsCollector(MemoryStatsCollector):
    """Scrapy's in-memory stats collector without its per-call wrapper (see the module)."""

    # the plain attribute lookup of object, not StatsCollector's wrapping one
    __getattribute__ = object.__getattribute__

    def get_value(self, key: str, default: Any = None, spider: Spider | None = None) -> Any:
        if spider is not None:
            _spider_argument("get_value")
        return self._stats.get(key, default)

    def get_stats(self, spider: Spider | None = None) -> StatsT:
        if spider is not None:
            _spider_argument("get_stats")
        return self._stats

    def set_value(self, key: str, value: Any, spider: Spider | None = None) -> None:
        if spider is not None:
            _spider_argument("set_value")
        self._stats[key] = value

    def set_stats(self, stats: StatsT, spider: Spider | None = None) -> None:
        if spider is not None:
            _spider_argument("set_stats")
        self._stats = stats

    def inc_value(self, key: str, count: int = 1, start: int = 0, spider: Spider | None = None) -> None:
        if spider is not None:
            _spider_argument("inc_value")
        d = self._stats
        d[key] = d.setdefault(key, start) + count

    def inc_values(self, keys: Iterable[str]) -> None:
        """Add 1 to each of ``keys`` (a key given twice counts twice): a page's counts at once."""
        d = self._stats
        get = d.get
        for key in keys:
            d[key] = get(key, 0) + 1

    def max_value(self, key: str, value: Any, spider: Spider | None = None) -> None:
        if spider is not None:
            _spider_argument("max_value")
        self._stats[key] = max(self._stats.setdefault(key, value), value)

    def min_value(self, key: str, value: Any, spider: Spider | None = None) -> None:
        if spider is not None:
            _spider_argument("min_value")
        self._stats[key] = min(self._stats.setdefault(key, value), value)

    def clear_stats(self, spider: Spider | None = None) -> None:
        if spider is not None:
            _spider_argument("clear_stats")
        self._stats.clear()

    def open_spider(self, spider: Spider | None = None) -> None:
        if spider is not None:
            _spider_argument("open_spider")

    def close_spider(self, spider: Spider | None = None, reason: str | None = None) -> None:
        if spider is not None:
            _spider_argument("close_spider")
        MemoryStatsCollector.close_spider(self, reason=reason)


def inc_values(crawler: Crawler, keys: Iterable[str]) -> None:
    """Add 1 to each stats key of ``keys``, in one call when the collector can."""
    stats = crawler.stats
    assert stats is not None
    if isinstance(stats, LeanStatsCollector):
        stats.inc_values(keys)
    else:
        for key in keys:
            stats.inc_value(key)


class LeanLogFormatter(LogFormatter):
    """Scrapy's log formatter, building its per-page DEBUG lines only for a listener."""

    def crawled(self, request: Request, response: Response, spider: Spider) -> LogFormatterResult | None:  # type: ignore[override]
        if not _ENGINE_LOGGER.isEnabledFor(logging.DEBUG):
            return None
        return super().crawled(request, response, spider)

    def scraped(  # type: ignore[override]
        self, item: Any, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult | None:
        if not _SCRAPER_LOGGER.isEnabledFor(logging.DEBUG):
            return None
        return super().scraped(item, response, spider)


#: the loggers whose level Scrapy sets below its handler's (the root logger, and Scrapy's)
GATED_LOGGERS = ("", "scrapy")


def _lowest_handler_level() -> int:
    """The lowest level any handler of any logger emits (NOTSET: one takes all, or none);
    libraries' ``NullHandler`` emit nothing."""
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    levels = [
        handler.level
        for logger in loggers
        if isinstance(logger, logging.Logger)
        for handler in logger.handlers
        if not isinstance(handler, logging.NullHandler)
    ]
    return min(levels) if levels else logging.NOTSET


class LeanRuntime:
    """The root logger's level and the garbage collector for the crawl (see the module)."""

    def __init__(self, crawler: Crawler, gc_freeze: bool, gc_threshold: int = 0) -> None:
        self.gc_freeze = gc_freeze
        self.gc_threshold = gc_threshold
        self.thresholds: tuple[int, int, int] | None = None  # Python's, while ours is in force
        self.raised_from: dict[str, int] = {}  # the levels of the loggers raised, before the crawl
        self.frozen = False
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeanRuntime:
        settings = crawler.settings
        return cls(crawler, settings.getbool("KHABAR_GC_FREEZE"), settings.getint("KHABAR_GC_THRESHOLD"))

    def engine_started(self) -> None:
        floor = _lowest_handler_level()
        for name in GATED_LOGGERS:
            logger = logging.getLogger(name)
            if logger.level < floor and name not in self.raised_from:
                self.raised_from[name] = logger.level
                logger.setLevel(floor)
        if self.gc_freeze and not self.frozen:
            gc.collect()
            gc.freeze()
            self.frozen = True
        if self.gc_threshold > 0 and self.thresholds is None:
            self.thresholds = gc.get_threshold()
            gc.set_threshold(self.gc_threshold, *self.thresholds[1:])

    def engine_stopped(self) -> None:
        for name, level in self.raised_from.items():
            logging.getLogger(name).setLevel(level)
        self.raised_from = {}
        if self.frozen:
            gc.unfreeze()
            self.frozen = False
        if self.thresholds is not None:
            gc.set_threshold(*self.thresholds)
            self.thresholds = None
