"""Incremental crawling: fetch only what is new or due (downloader middleware).

- A URL known as a stored article is skipped unless the sitemap or feed says it changed
  since the stored version (``lastmod`` in the request's meta, newer than the stored
  modification time, or than the last fetch), or the revisit policy says
  it is due (:mod:`khabar_crawler.frontier.revisit`): ``khabar/incremental/skipped``.
- Every other request (but robots.txt) carries the validators saved from its last response (``If-None-Match``,
  ``If-Modified-Since``); a 304 answer is not parsed again: ``khabar/incremental/not_modified``.
- Validators and fetch times live in the ``page_states`` table, written in batches.

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
from sqlalchemy import select

from khabar_crawler.db import Database, get_database
from khabar_crawler.db.models import Article, ArticleUrl, PageState
from khabar_crawler.db.upsert import upsert
from khabar_crawler.frontier.revisit import RevisitPolicy
from khabar_crawler.site import Site
from khabar_crawler.text.dates import parse_datetime

logger = logging.getLogger(__name__)


def _is_robots(url: str) -> bool:
    """robots.txt is always fetched in full: Scrapy's robots middleware needs its body."""
    return urlsplit(url).path == "/robots.txt"


class IncrementalMiddleware:
    def __init__(self, crawler: Crawler, full: bool, policy: RevisitPolicy, flush_every: int) -> None:
        self.crawler = crawler
        self.full = full
        self.policy = policy
        self.flush_every = flush_every
        self.site = Site.from_settings(crawler.settings)
        self._database: Database | None = None
        self._pending: dict[str, dict[str, Any]] = {}
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        settings = crawler.settings
        if settings.get("KHABAR_REPLAY_DIR") or not settings.getbool("KHABAR_INCREMENTAL", True):
            raise NotConfigured
        return cls(
            crawler,
            settings.getbool("KHABAR_FULL_RECRAWL"),
            RevisitPolicy.from_setting(settings.get("KHABAR_REVISIT_INTERVALS")),
            settings.getint("KHABAR_PAGE_STATE_FLUSH_EVERY", 100),
        )

    @property
    def database(self) -> Database:
        if self._database is None:
            self._database = get_database(self.crawler)
        return self._database

    def _stat(self, event: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"khabar/incremental/{event}")

    def _known(self, url: str) -> tuple[PageState | None, Article | None]:
        with self.database.sessions() as session:
            state = session.get(PageState, url)
            article = session.scalar(
                select(Article)
                .join(ArticleUrl, ArticleUrl.article_pk == Article.id)
                .where(ArticleUrl.url == url)
            )
            return state, article

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if self.full or request.method != "GET" or _is_robots(request.url):
            return None
        url = self.site.to_site_url(request.url)
        pending = self._pending.get(url)
        state, article = self._known(url)
        if article is not None and not request.meta.get("khabar_revisit"):
            fetched = (
                pending["fetched_at"] if pending else (state.fetched_at if state else article.last_seen_at)
            )
            lastmod = parse_datetime(request.meta.get("lastmod"))
            # the sitemap's lastmod against the stored modification time (the site's clock),
            # else against our last fetch
            changed = lastmod is not None and lastmod > (article.modified_at or fetched)
            if not changed and not self.policy.is_due(article.published_at, fetched, datetime.now(UTC)):
                self._stat("skipped")
                raise IgnoreRequest(f"not due for a revisit: {request.url}")
        if state is not None:
            if state.etag:
                request.headers.setdefault(b"If-None-Match", state.etag.encode("latin-1"))
            if state.last_modified:
                request.headers.setdefault(b"If-Modified-Since", state.last_modified.encode("latin-1"))
        return None

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        if (self.full and response.status != 200) or _is_robots(request.url):
            return response
        url = self.site.to_site_url(request.url)
        now = datetime.now(UTC)
        if response.status == 304:
            self._remember(url, 304, now)
            self._stat("not_modified")
            raise IgnoreRequest(f"not modified: {request.url}")
        if response.status == 200:
            etag = response.headers.get(b"ETag")
            modified = response.headers.get(b"Last-Modified")
            self._remember(
                url,
                200,
                now,
                etag.decode("latin-1") if etag else None,
                modified.decode("latin-1") if modified else None,
            )
        return response

    def _remember(
        self, url: str, status: int, now: datetime, etag: str | None = None, modified: str | None = None
    ) -> None:
        entry = self._pending.get(url)
        if entry is None:
            state = self._known(url)[0] if status == 304 else None
            entry = {
                "url": url,
                "etag": state.etag if state else None,
                "last_modified": state.last_modified if state else None,
                "changed_at": state.changed_at if state else now,
            }
        if status == 200:
            entry.update(etag=etag, last_modified=modified, changed_at=now)
        entry.update(status=status, fetched_at=now)
        self._pending[url] = entry
        if len(self._pending) >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        rows, self._pending = list(self._pending.values()), {}
        if not rows:
            return
        with self.database.engine.begin() as connection:
            upsert(connection, PageState.__table__, rows, key="url")  # type: ignore[arg-type]

    def spider_closed(self, spider: Spider) -> None:
        if self._database is not None:
            self.flush()
