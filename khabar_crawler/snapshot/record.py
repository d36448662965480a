"""Save every response of a live crawl into a snapshot directory (``-a record=DIR``).

Responses are saved under their site URL (see :class:`~khabar_crawler.site.Site`), before
redirects are followed, so that ``-a replay=DIR`` replays the crawl offline. Recording asks
servers for uncompressed bodies so that saved pages stay readable; a body that still arrives
compressed is saved as sent, with its ``Content-Encoding``, and decompressed on replay.
Each response costs the same whatever the crawl's length: its entry is appended to the
snapshot's journal (synced every ``KHABAR_RECORD_FLUSH_EVERY`` responses), folded into
``manifest.json`` when the spider closes (:mod:`~khabar_crawler.snapshot.writer`).
"""

from __future__ import annotations

import logging

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from khabar_crawler.site import Site
from khabar_crawler.snapshot.writer import SnapshotWriter

logger = logging.getLogger(__name__)


class RecordMiddleware:
    def __init__(self, crawler: Crawler, writer: SnapshotWriter, site: Site) -> None:
        self.crawler = crawler
        self.writer = writer
        self.site = site
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RecordMiddleware:
        directory = crawler.settings.get("KHABAR_RECORD_DIR")
        if not directory:
            raise NotConfigured  # off unless a directory is given
        if crawler.settings.get("KHABAR_REPLAY_DIR"):
            raise NotConfigured("recording is off while replaying")
        sync_every = crawler.settings.getint("KHABAR_RECORD_FLUSH_EVERY", 50)
        logger.info("Recording responses into %s", directory)
        return cls(crawler, SnapshotWriter(directory, sync_every), Site.from_settings(crawler.settings))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        request.headers[b"Accept-Encoding"] = b"identity"

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        headers = {
            name.decode("latin-1"): [v.decode("latin-1") for v in values]
            for name, values in response.headers.items()
        }
        location = headers.get("Location")
        if location:
            absolute = response.urljoin(location[0])
            headers["Location"] = [
                self.site.to_site_url(absolute) if self.site.is_on_site(absolute) else absolute
            ]
        self.writer.add(self.site.to_site_url(response.url), response.status, headers, response.body)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("khabar/record/saved")
        return response

    def spider_closed(self, spider: Spider) -> None:
        entries = self.writer.close()
        logger.info(
            "Recorded %d responses into %s (%d in its manifest)", self.writer.saved, self.writer.root, entries
        )
