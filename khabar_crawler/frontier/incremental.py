"""Incremental crawling: fetch only what is new or due (downloader middleware).

- A URL known as a stored article is skipped unless the sitemap or feed says it changed
  since the stored version (``lastmod`` in the request's meta, newer than the stored
  modification time, or than the last fetch), or the revisit policy says
  it is due (:mod:`khabar_crawler.frontier.revisit`): ``khabar/incremental/skipped``.
- Every other request (but robots.txt) carries the validators saved from its last response (``If-None-Match``,
  ``If-Modified-Since``); a 304 answer is not parsed again: ``khabar/incremental/not_modified``.
- A stored article whose page answers 404 or 410 is marked gone (``articles.gone_at``, the
  run in ``gone_run_id``; :func:`khabar_crawler.db.page_states.mark_gone`), written when the
  spider closes: ``khabar/incremental/gone``. A 5xx never marks an article gone; an article
  seen again is no longer gone.
- Validators and fetch times live in the ``page_states`` table. A 200's new state is noted
  on the request and saved with the page's outcome
  (:mod:`khabar_crawler.frontier.page_outcomes`); a 304's fetch time is written in batches.
  Validators are sent only when they can be trusted (:mod:`khabar_crawler.db.page_states`):
  for a stored article, or for any page after a run that ended cleanly.

What is stored is read once, on the first request that needs it
(:mod:`khabar_crawler.db.page_states`): no request waits on a database query.

``-a full=1`` (``KHABAR_FULL_RECRAWL``) fetches everything unconditionally. Replays of saved
snapshots are never incremental: they give the same items every time.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from sqlalchemy.exc import SQLAlchemyError

from khabar_crawler.db.database import get_database
from khabar_crawler.db.page_states import Known, PageStates, mark_gone
from khabar_crawler.frontier.dupefilter import RecoveringDupeFilter, SeenUrls
from khabar_crawler.frontier.page_outcomes import META_KEY, PageStateBatch, incremental
from khabar_crawler.frontier.revisit import RevisitPolicy
from khabar_crawler.runs.record import RunRecord
from khabar_crawler.site import Site
from khabar_crawler.text.dates import parse_datetime

logger = logging.getLogger(__name__)
#: the answers that say a page is gone for good (a 5xx never does)
GONE = (404, 410)


def _is_robots(url: str) -> bool:
    """robots.txt is always fetched in full: Scrapy's robots middleware needs its body."""
    return urlsplit(url).path == "/robots.txt"


class IncrementalMiddleware:
    def __init__(self, crawler: Crawler, full: bool, policy: RevisitPolicy) -> None:
        self.crawler = crawler
        self.full = full
        self.policy = policy
        self.site = Site.from_settings(crawler.settings)
        self._pages: PageStates | None = None
        #: the fetch times of 304 answers and of gone articles' 404/410 (a 200's state waits for
        #: the page's outcome)
        self.not_modified = PageStateBatch.from_crawler(crawler)
        #: stored articles whose page answered 404 or 410 in this run
        self.gone: list[str] = []
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        if not incremental(crawler):
            raise NotConfigured
        settings = crawler.settings
        return cls(
            crawler,
            settings.getbool("KHABAR_FULL_RECRAWL"),
            RevisitPolicy.from_setting(settings.get("KHABAR_REVISIT_INTERVALS")),
        )

    def _run_id(self) -> int | None:
        run = self.crawler.get_extension(RunRecord)
        return run.run_id if run is not None else None

    @property
    def pages(self) -> PageStates:
        """What is stored, read on first use (a full recrawl decides nothing by it: it only
        records its fetches)."""
        if self._pages is None:
            database = get_database(self.crawler)
            self._pages = PageStates(track=False) if self.full else PageStates.load(database, self._run_id())
        return self._pages

    def _stat(self, event: str, count: int = 1, component: str = "incremental") -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"khabar/{component}/{event}", count)

    def _not_due(self, known: Known, request: Request) -> bool:
        """A stored article that neither its sitemap nor the revisit policy says to fetch."""
        if not known.article or request.meta.get("khabar_revisit"):
            return False
        lastmod = parse_datetime(request.meta.get("lastmod"))
        # the sitemap's lastmod against the stored modification time (the site's clock),
        # else against our last fetch
        stored = known.modified_at or known.fetched
        if lastmod is not None and stored is not None and lastmod > stored:
            return False
        return not self.policy.is_due(known.published_at, known.fetched, datetime.now(UTC))

    def _dupefilter(self) -> RecoveringDupeFilter | None:
        view = self.crawler.get_extension(SeenUrls)
        return view.dupefilter if view is not None else None

    @staticmethod
    def _merge_reasons(request: Request, reasons: dict[str, Any]) -> None:
        if reasons.get("khabar_revisit"):
            request.meta["khabar_revisit"] = True
        ours, theirs = parse_datetime(request.meta.get("lastmod")), parse_datetime(reasons.get("lastmod"))
        if theirs is not None and (ours is None or theirs > ours):
            request.meta["lastmod"] = reasons["lastmod"]

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if self.full or request.method != "GET" or _is_robots(request.url):
            return None
        known = self.pages.get(self.site.to_site_url(request.url))
        if known is None:
            return None
        dupefilter = self._dupefilter()
        if dupefilter is not None:  # what the requests filtered while this one waited said
            self._merge_reasons(request, dupefilter.reason_for(request))
        if self._not_due(known, request):
            self._stat("skipped")
            if dupefilter is not None:
                dupefilter.not_due(request)  # a later request that says it changed may pass
            raise IgnoreRequest(f"not due for a revisit: {request.url}")
        if known.etag:
            request.headers.setdefault(b"If-None-Match", known.etag.encode("latin-1"))
        if known.last_modified:
            request.headers.setdefault(b"If-Modified-Since", known.last_modified.encode("latin-1"))
        return None

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        if (self.full and response.status != 200) or _is_robots(request.url):
            return response
        url = self.site.to_site_url(request.url)
        now = datetime.now(UTC)
        if response.status == 304:
            state = self.pages.fetched(url, 304, now)
            self.not_modified.add(state)
            self._stat("not_modified")
            if state["listed"]:  # a sitemap or the feed, unchanged: its URLs are still listed
                self._stat("listed_unchanged", state["listed"], "discovery")
            raise IgnoreRequest(f"not modified: {request.url}")
        if response.status in GONE and self._known_article(url):
            self.gone.append(url)
            # the fetch counts for the revisit policy: a gone page is asked again when due
            self.not_modified.add(self.pages.fetched(url, response.status, now))
        if response.status == 200:
            etag = response.headers.get(b"ETag")
            modified = response.headers.get(b"Last-Modified")
            request.meta[META_KEY] = self.pages.fetched(
                url,
                200,
                now,
                etag.decode("latin-1") if etag else None,
                modified.decode("latin-1") if modified else None,
            )
        return response

    def _known_article(self, url: str) -> bool:
        known = self.pages.get(url)
        return known is not None and known.article

    def spider_closed(self) -> None:
        """Mark gone the stored articles whose pages answered 404 or 410."""
        if not self.gone:
            return
        try:
            with get_database(self.crawler).engine.begin() as connection:
                marked = mark_gone(connection, self.gone, self._run_id(), datetime.now(UTC))
        except SQLAlchemyError as exc:
            logger.error("Could not mark %d gone articles (the next revisit will): %s", len(self.gone), exc)
            return
        self._stat("gone", marked)
        if marked:
            logger.info("%d stored articles answered 404/410: marked gone", marked)
