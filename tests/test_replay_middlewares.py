"""A replay switches off the Scrapy middlewares it cannot use; a live crawl keeps them all.

That a replay still gives the golden items with them off is tests/test_crawl.py's
``test_replay_gives_exactly_the_golden_items`` (the same crawl, through these settings)."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy.core.downloader.middleware import DownloaderMiddlewareManager
from scrapy.core.spidermw import SpiderMiddlewareManager
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.stats import DownloaderStats
from scrapy.downloadermiddlewares.useragent import UserAgentMiddleware
from scrapy.settings import Settings
from scrapy.spidermiddlewares.depth import DepthMiddleware
from scrapy.spidermiddlewares.httperror import HttpErrorMiddleware
from scrapy.spidermiddlewares.urllength import UrlLengthMiddleware
from scrapy.utils.misc import is_generator_with_return_value, load_object

from khabar_crawler import settings as project_settings
from khabar_crawler.frontier.retry import RetryMiddleware
from khabar_crawler.frontier.robots import RobotsTxtMiddleware
from khabar_crawler.snapshot.replay import UNUSED_IN_REPLAY, ReplayMiddleware
from khabar_crawler.spiders.khabarayn import KhabaraynSpider
from tests.helpers import SNAPSHOT

UNUSED_DOWNLOADER = set(UNUSED_IN_REPLAY["DOWNLOADER_MIDDLEWARES"])
UNUSED_SPIDER = set(UNUSED_IN_REPLAY["SPIDER_MIDDLEWARES"])
#: what decides what is fetched or what a response means: on in replays too
KEPT_DOWNLOADER = {
    OffsiteMiddleware,
    RobotsTxtMiddleware,
    RetryMiddleware,
    MetaRefreshMiddleware,
    HttpCompressionMiddleware,
    RedirectMiddleware,
    DownloaderStats,
    ReplayMiddleware,
}
KEPT_SPIDER = {HttpErrorMiddleware, UrlLengthMiddleware, DepthMiddleware}


def enabled(arguments: dict[str, str], **overrides: Any) -> tuple[set[type], set[type]]:
    """The downloader and spider middlewares a crawl with these spider arguments builds."""
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    for name, value in overrides.items():
        settings.set(name, value, priority="project")
    crawler = Crawler(KhabaraynSpider, settings)
    KhabaraynSpider.from_crawler(crawler, **arguments)
    return tuple(  # type: ignore[return-value]
        {load_object(path) for path in manager._get_mwlist_from_settings(crawler.settings)}
        for manager in (DownloaderMiddlewareManager, SpiderMiddlewareManager)
    )


def test_a_replay_switches_off_what_it_cannot_use() -> None:
    downloader, spider = enabled({"replay": str(SNAPSHOT)})
    assert (downloader & UNUSED_DOWNLOADER, spider & UNUSED_SPIDER) == (set(), set())
    assert (KEPT_DOWNLOADER - downloader, KEPT_SPIDER - spider) == (set(), set())


@pytest.mark.parametrize("arguments", [{}, {"full": "1"}, {"record": "snapshots/today"}])
def test_a_live_crawl_keeps_every_middleware(arguments: dict[str, str]) -> None:
    downloader, spider = enabled(arguments)
    assert (UNUSED_DOWNLOADER - downloader, UNUSED_SPIDER - spider) == (set(), set())
    assert (KEPT_DOWNLOADER - {ReplayMiddleware}) - downloader == set()


def test_the_replay_directory_as_a_setting_switches_them_off_too() -> None:
    downloader, _ = enabled({}, KHABAR_REPLAY_DIR=str(SNAPSHOT))
    assert downloader & UNUSED_DOWNLOADER == set()


def test_a_middleware_the_project_names_itself_stays_in_a_replay() -> None:
    mine = {"scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": 123}
    downloader, _ = enabled(
        {"replay": str(SNAPSHOT)}, DOWNLOADER_MIDDLEWARES={**project_settings.DOWNLOADER_MIDDLEWARES, **mine}
    )
    assert UserAgentMiddleware in downloader


def test_no_callback_is_a_generator_with_a_return_value() -> None:
    """What Scrapy's WARN_ON_GENERATOR_RETURN_VALUE checked on every response (off in
    settings.py for its cost) is checked here once."""
    callbacks = [getattr(KhabaraynSpider, name) for name in dir(KhabaraynSpider) if name.startswith("parse")]
    assert len(callbacks) >= 4
    assert [c.__name__ for c in callbacks if is_generator_with_return_value(c)] == []
