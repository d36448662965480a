"""Serve every request from a saved snapshot instead of the network (``-a replay=DIR``).

Statuses and headers are replayed as saved (a saved 404 is a 404, a saved 301 is followed by
Scrapy's redirect middleware). A URL missing from the snapshot is never fetched: it is counted
in ``khabar/replay/missing``, logged, and ignored like a filtered request.
"""

from __future__ import annotations

import logging

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from khabar_crawler.snapshot.manifest import Snapshot, open_snapshot

logger = logging.getLogger(__name__)


class ReplayMiddleware:
    def __init__(self, crawler: Crawler, snapshot: Snapshot) -> None:
        self.crawler = crawler
        self.snapshot = snapshot

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
        stats.inc_value("khabar/replay/served")
        stats.inc_value(f"khabar/replay/status/{saved.status}")
        headers = Headers(saved.headers)
        body = saved.body()
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return cls(url=request.url, status=saved.status, headers=headers, body=body, request=request)
