"""Scrapy's own work per page (khabar_crawler/runs/lean.py): the same stats, log lines only
for a listener, the garbage collector's start-up objects frozen."""

from __future__ import annotations

import gc
import io
import logging
from collections.abc import Iterator

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.http import HtmlResponse
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from khabar_crawler.runs.lean import LeanLogFormatter, LeanRuntime, LeanStatsCollector, inc_values


def test_the_stats_are_scrapys() -> None:
    crawler = get_crawler(Spider)
    ours, scrapys = LeanStatsCollector(crawler), MemoryStatsCollector(crawler)
    for stats in (ours, scrapys):
        stats.open_spider()
        stats.inc_value("a")
        stats.inc_value("a", 2)
        stats.inc_value("b", 1, start=10)
        stats.max_value("m", 3)
        stats.max_value("m", 1)
        stats.min_value("n", 3)
        stats.min_value("n", 1)
        stats.set_value("s", "x")
    ours.inc_values(["c", "d", "c"])
    scrapys.inc_value("c", 2)
    scrapys.inc_value("d")
    assert ours.get_stats() == scrapys.get_stats()
    assert (ours.get_value("a"), ours.get_value("missing", 7)) == (3, 7)


def test_a_spider_argument_still_warns() -> None:
    stats = LeanStatsCollector(get_crawler(Spider))
    with pytest.warns(ScrapyDeprecationWarning, match="inc_value"):
        stats.inc_value("a", spider=Spider("x"))
    assert stats.get_value("a") == 1


def test_inc_values_with_another_collector() -> None:
    crawler = get_crawler(Spider, {"STATS_CLASS": "scrapy.statscollectors.MemoryStatsCollector"})
    inc_values(crawler, ["a", "a", "b"])
    assert crawler.stats is not None
    assert (crawler.stats.get_value("a"), crawler.stats.get_value("b")) == (2, 1)


@pytest.fixture
def root_level() -> Iterator[logging.Logger]:
    root, scrapy_logger = logging.getLogger(), logging.getLogger("scrapy")
    levels, handlers = (root.level, scrapy_logger.level), root.handlers[:]
    yield root
    root.setLevel(levels[0])
    scrapy_logger.setLevel(levels[1])
    root.handlers[:] = handlers


def test_per_page_debug_lines_are_built_only_for_a_listener(root_level: logging.Logger) -> None:
    formatter = LeanLogFormatter()
    request = Request("https://khabarayn.com/")
    response = HtmlResponse("https://khabarayn.com/", body=b"<html></html>", request=request)
    spider = Spider("x")
    root_level.setLevel(logging.INFO)
    logging.getLogger("scrapy").setLevel(logging.NOTSET)
    assert formatter.crawled(request, response, spider) is None
    assert formatter.scraped({}, response, spider) is None
    root_level.setLevel(logging.DEBUG)
    crawled = formatter.crawled(request, response, spider)
    assert crawled is not None and crawled["level"] == logging.DEBUG
    assert formatter.scraped({}, response, spider) is not None


def stream(level: int) -> logging.Handler:
    handler = logging.StreamHandler(io.StringIO())
    handler.setLevel(level)
    return handler


def test_the_loggers_take_their_handlers_level_for_the_crawl(root_level: logging.Logger) -> None:
    """As Scrapy sets them up: the root logger at NOTSET, Scrapy's at DEBUG, its handler (and
    LogCount's) at LOG_LEVEL; a library's NullHandler emits nothing."""
    root_level.handlers[:] = [stream(logging.INFO), stream(logging.WARNING), logging.NullHandler()]
    root_level.setLevel(logging.NOTSET)
    logging.getLogger("scrapy").setLevel(logging.DEBUG)
    runtime = LeanRuntime(get_crawler(Spider), gc_freeze=False)
    runtime.engine_started()
    engine, ours = logging.getLogger("scrapy.core.engine"), logging.getLogger("khabar_crawler.spiders")
    assert (root_level.level, logging.getLogger("scrapy").level) == (logging.INFO, logging.INFO)
    assert [engine.isEnabledFor(logging.DEBUG), ours.isEnabledFor(logging.DEBUG)] == [False, False]
    assert [engine.isEnabledFor(logging.INFO), ours.isEnabledFor(logging.INFO)] == [True, True]
    runtime.engine_stopped()
    assert (root_level.level, logging.getLogger("scrapy").level) == (logging.NOTSET, logging.DEBUG)


def test_a_handler_that_takes_everything_keeps_every_record(root_level: logging.Logger) -> None:
    """pytest's log capture (a handler at NOTSET) still sees the DEBUG lines."""
    root_level.handlers[:] = [stream(logging.INFO), stream(logging.NOTSET)]
    root_level.setLevel(logging.NOTSET)
    logging.getLogger("scrapy").setLevel(logging.DEBUG)
    runtime = LeanRuntime(get_crawler(Spider), gc_freeze=False)
    runtime.engine_started()
    assert (root_level.level, logging.getLogger("scrapy").level) == (logging.NOTSET, logging.DEBUG)
    runtime.engine_stopped()


def test_gc_freeze_for_the_crawl() -> None:
    crawler = get_crawler(Spider, {"KHABAR_GC_FREEZE": True})
    runtime = LeanRuntime.from_crawler(crawler)
    runtime.engine_started()
    try:
        assert gc.get_freeze_count() > 0
    finally:
        runtime.engine_stopped()
    assert gc.get_freeze_count() == 0
    off = LeanRuntime.from_crawler(get_crawler(Spider, {"KHABAR_GC_FREEZE": False}))
    off.engine_started()
    assert gc.get_freeze_count() == 0
    off.engine_stopped()


def test_gc_threshold_for_the_crawl() -> None:
    before = gc.get_threshold()
    runtime = LeanRuntime.from_crawler(
        get_crawler(Spider, {"KHABAR_GC_FREEZE": False, "KHABAR_GC_THRESHOLD": 9999})
    )
    runtime.engine_started()
    try:
        assert gc.get_threshold() == (9999, *before[1:])
    finally:
        runtime.engine_stopped()
    assert gc.get_threshold() == before
    off = LeanRuntime.from_crawler(get_crawler(Spider, {"KHABAR_GC_THRESHOLD": 0}))
    off.engine_started()
    assert gc.get_threshold() == before
    off.engine_stopped()
