"""Serve every request from a saved snapshot instead of the network (``-a replay=DIR``).

Statuses and headers are replayed as saved (a saved 404 is a 404, a saved 301 is followed by
Scrapy's redirect middleware). A URL missing from the snapshot is never fetched: it is counted
in ``khabar/replay/missing``, logged, and ignored like a filtered request.

The download size limits apply as they do live (Scrapy's download handler, which enforces
them, never sees a replayed page). A saved body over ``DOWNLOAD_MAXSIZE`` (or the request's
``download_maxsize`` meta) is refused unread with the live handler's warning (naming the URL
and the size), counted in ``khabar/replay/too_large``, and ignored. Live, the handler raises
``DownloadCancelledError``, which Scrapy logs again as an error with a traceback; replay
raises ``IgnoreRequest``, which fails the request the same way (no retry, no response, the
errback called) without the traceback. A body over ``DOWNLOAD_WARNSIZE``
(``download_warnsize``) is served with a warning, once per URL
(``khabar/replay/over_warnsize``).

A replay switches off Scrapy's middlewares whose work it never uses
(:func:`switch_off_unused`): those that only write request headers or download options that
no network sees (authentication, the download timeout, default headers, the user agent, the
proxy; the referer, a spider middleware) and the check for internal ``meta`` keys copied
from a response (a development aid, which the live crawl of the same spider keeps). Every
middleware that decides what is fetched or what a response means stays: the offsite and
robots.txt filters, retries, redirects and meta refreshes, decompression (a saved body may be
compressed), the HTTP error filter, URL length and depth, and the download stats.
"""

from __future__ import annotations

import logging

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.defaultheaders import DefaultHeadersMiddleware
from scrapy.downloadermiddlewares.downloadtimeout import DownloadTimeoutMiddleware
from scrapy.downloadermiddlewares.httpauth import HttpAuthMiddleware
from scrapy.downloadermiddlewares.httpproxy import HttpProxyMiddleware
from scrapy.downloadermiddlewares.useragent import UserAgentMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.metacopy import MetaCopyDetectionMiddleware
from scrapy.spidermiddlewares.referer import RefererMiddleware
from scrapy.utils.misc import load_object

from khabar_crawler.snapshot.manifest import Snapshot, open_snapshot

logger = logging.getLogger(__name__)

#: Scrapy's middlewares a replay cannot use, by setting (see the module)
UNUSED_IN_REPLAY: dict[str, tuple[type, ...]] = {
    "DOWNLOADER_MIDDLEWARES": (
        HttpAuthMiddleware,
        DownloadTimeoutMiddleware,
        DefaultHeadersMiddleware,
        UserAgentMiddleware,
        HttpProxyMiddleware,
    ),
    "SPIDER_MIDDLEWARES": (RefererMiddleware, MetaCopyDetectionMiddleware),
}


def switch_off_unused(settings: BaseSettings) -> None:
    """Switch off the middlewares a replay cannot use (:data:`UNUSED_IN_REPLAY`), each unless
    the project's settings name it themselves (a subclass or a priority of their own)."""
    for name, unused in UNUSED_IN_REPLAY.items():
        configured = {load_object(key) if isinstance(key, str) else key for key in settings.getdict(name)}
        for component in unused:
            if component not in configured:
                settings.set_in_component_priority_dict(name, component, None)


class ReplayMiddleware:
    def __init__(self, crawler: Crawler, snapshot: Snapshot) -> None:
        self.crawler = crawler
        self.snapshot = snapshot
        self.maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        self.warnsize = crawler.settings.getint("DOWNLOAD_WARNSIZE")
        self.warned: set[str] = set()  # URLs already warned about as over the warn size

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayMiddleware:
        directory = crawler.settings.get("KHABAR_REPLAY_DIR")
        if not directory:
            raise NotConfigured  # off unless a directory is given
        snapshot = open_snapshot(directory)
        logger.info("Replaying %d saved responses from %s", snapshot.size, directory)
        return cls(crawler, snapshot)

    def process_request(self, request: Request, spider: Spider | None = None) -> Response:
        stats = self.crawler.stats
        assert stats is not None
        saved = self.snapshot.get(request.url)
        if saved is None:
            stats.inc_value("khabar/replay/missing")
            logger.info("Not in the snapshot, skipped: %s", request.url)
            raise IgnoreRequest(f"not in the snapshot: {request.url}")
        self.check_size(request, saved.file.stat().st_size if saved.file else 0)
        stats.inc_value("khabar/replay/served")
        stats.inc_value(f"khabar/replay/status/{saved.status}")
        headers = Headers(saved.headers)
        body = saved.body()
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return cls(url=request.url, status=saved.status, headers=headers, body=body, request=request)

    def check_size(self, request: Request, size: int) -> None:
        """Refuse a saved body over the download max size before it is read, with the warning
        Scrapy's HTTP handler gives live; warn once per URL about one over the warn size."""
        stats = self.crawler.stats
        assert stats is not None
        maxsize = int(request.meta.get("download_maxsize", self.maxsize))
        warnsize = int(request.meta.get("download_warnsize", self.warnsize))
        if maxsize and size > maxsize:
            stats.inc_value("khabar/replay/too_large")
            message = (
                f"Expected to receive {size} bytes which is larger than download max size "
                f"({maxsize}) in request {request}."
            )
            logger.warning("Saved page refused, as live: %s", message)
            raise IgnoreRequest(message)
        if warnsize and size > warnsize and request.url not in self.warned:
            self.warned.add(request.url)
            stats.inc_value("khabar/replay/over_warnsize")
            logger.warning(
                "Expected to receive %d bytes which is larger than download warn size (%d) in request %s.",
                size,
                warnsize,
                request,
            )
