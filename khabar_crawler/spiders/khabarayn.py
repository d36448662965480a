"""The khabarayn spider: discovers article pages and yields one :class:`ArticleItem` each.

    scrapy crawl khabarayn                               # live site (KHABARAYN_BASE_URL)
    scrapy crawl khabarayn -a replay=fixtures/khabarayn  # offline, from a saved snapshot
    scrapy crawl khabarayn -a record=snapshots/today     # live, saving every response

Discovery: robots.txt (its ``Sitemap:`` lines), sitemap indexes and news sitemaps, the RSS
feed, the home page, and every on-site link of the pages it reads (categories, pagination,
see-also and related links). Whether a page is an article is decided by its content, not its
URL (see :func:`khabar_crawler.extract.is_article_page`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator, Sized
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import sitemap_urls_from_robots
from sqlalchemy import func, select
from twisted.internet.task import deferLater

from khabar_crawler.db import get_database
from khabar_crawler.db.models import Article, PageState
from khabar_crawler.extract import Page
from khabar_crawler.extract.article import build_item
from khabar_crawler.extract.challenge import page_problem
from khabar_crawler.extract.classify import classify
from khabar_crawler.extract.discovery import is_crawlable, page_links, parse_feed, parse_sitemap
from khabar_crawler.extract.encoding import decode_page
from khabar_crawler.frontier.fingerprint import url_fingerprint
from khabar_crawler.frontier.redis import configure_redis
from khabar_crawler.frontier.revisit import RevisitPolicy
from khabar_crawler.items import ArticleItem
from khabar_crawler.signals import page_rejected
from khabar_crawler.site import Site
from khabar_crawler.snapshot.manifest import open_snapshot
from khabar_crawler.text.dates import iso_datetime, parse_display_date

logger = logging.getLogger(__name__)
_GZIP_MAGIC = b"\x1f\x8b"
#: fields whose share among extracted items the coverage alarms watch
COVERAGE_FIELDS = ("title", "body", "published_at", "category", "summary", "article_id")
#: start() tops the scheduler up to this many requests per CONCURRENT_REQUESTS slot
FRONTIER_LOW_FACTOR = 4
FRONTIER_POLL_SECONDS = 0.005
#: stored articles read per query when listing the revisits that are due
REVISIT_PAGE = 1000


class KhabaraynSpider(scrapy.Spider):
    name = "khabarayn"
    site: Site
    allowed_domains: list[str]
    #: the spider arguments of this run (recorded in crawl_runs)
    arguments: dict[str, str]

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> KhabaraynSpider:
        arguments = {key: str(value) for key, value in kwargs.items()}
        replay, record = kwargs.pop("replay", None), kwargs.pop("record", None)
        if replay and record:
            raise ValueError("-a replay and -a record cannot be used together")
        settings = crawler.settings
        if replay:
            settings.set("KHABAR_REPLAY_DIR", replay, priority="spider")
            # a snapshot is local: no politeness delays, and its URLs are the site's own
            settings.set("AUTOTHROTTLE_ENABLED", False, priority="spider")
            settings.set("DOWNLOAD_DELAY", 0, priority="spider")
            settings.set("KHABARAYN_BASE_URL", settings.get("KHABARAYN_SITE_URL"), priority="spider")
        if record:
            settings.set("KHABAR_RECORD_DIR", record, priority="spider")
        if str(kwargs.pop("full", "")).lower() in ("1", "true", "yes"):
            settings.set("KHABAR_FULL_RECRAWL", True, priority="spider")
        configure_redis(settings)
        spider: KhabaraynSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.arguments = arguments
        spider.site = Site.from_settings(settings)
        spider.allowed_domains = spider.site.domains
        return spider

    # --- requests ------------------------------------------------------------------------

    def follow_site(self, url: str, callback: Any, **meta: Any) -> scrapy.Request:
        """A request for a canonical site URL, fetched from the base URL."""
        return scrapy.Request(self.site.to_fetch_url(url), callback=callback, meta=meta or None)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Discovery first (robots, sitemaps, feed, home page); then, as the frontier drains,
        the saved pages of a replay that discovery did not reach and the stored articles due
        for a revisit. Those come lazily, a few at a time, so that neither is held in memory
        as queued requests, and pages already requested are skipped without a request."""
        origin = self.site.origin
        yield self.follow_site(f"{origin}/robots.txt", self.parse_robots)
        yield self.follow_site(f"{origin}/", self.parse_page)
        yield self.follow_site(f"{origin}/feed/", self.parse_feed)
        for url in self._snapshot_pages():
            await self._frontier_low()
            if self._requested(url):
                self._stat("replay/seeds_seen")
            else:
                self._stat("replay/seeds")
                yield self.follow_site(url, self.parse_page)
        for url in self._due_revisits():
            await self._frontier_low()
            self._stat("incremental/revisits")
            yield self.follow_site(url, self.parse_page, khabar_revisit=True)

    async def _frontier_low(self) -> None:
        """Wait while the scheduler holds enough requests to keep the downloader busy."""
        from twisted.internet import reactor  # the installed one, not imported at module level

        engine = self.crawler.engine
        scheduler = engine.scheduler if engine is not None else None
        if not isinstance(scheduler, Sized):
            return
        low = FRONTIER_LOW_FACTOR * self.crawler.settings.getint("CONCURRENT_REQUESTS")
        while len(scheduler) >= low:
            await maybe_deferred_to_future(deferLater(reactor, FRONTIER_POLL_SECONDS, lambda: None))

    def _requested(self, url: str) -> bool:
        """Whether the duplicate filter has seen a request for this canonical site URL."""
        seen = self._seen_check()
        return seen is not None and seen(url_fingerprint(self.site.to_fetch_url(url)))

    def _snapshot_pages(self) -> Iterator[str]:
        """In replay, every saved HTML page is read, linked from the site's pages or not: a
        snapshot holds what was worth saving, and its article pages must all give items."""
        directory = self.crawler.settings.get("KHABAR_REPLAY_DIR")
        if not directory:
            return
        for saved in open_snapshot(directory):
            content_type = (saved.header("Content-Type") or "").lower()
            if saved.status == 200 and "html" in content_type and self.site.is_on_site(saved.url):
                yield self.site.to_site_url(saved.url)

    def _due_revisits(self) -> Iterator[str]:
        """Stored articles that the revisit policy says are due (live, incremental runs)."""
        settings = self.crawler.settings
        if settings.get("KHABAR_REPLAY_DIR") or settings.getbool("KHABAR_FULL_RECRAWL"):
            return
        if not settings.getbool("KHABAR_INCREMENTAL", True) or not settings.get("ITEM_PIPELINES"):
            return
        policy = RevisitPolicy.from_setting(settings.get("KHABAR_REVISIT_INTERVALS"))
        now = datetime.now(UTC)
        query = (
            select(
                Article.id,
                Article.canonical_url,
                Article.published_at,
                Article.last_seen_at,
                PageState.fetched_at,
            )
            .outerjoin(PageState, PageState.url == Article.canonical_url)
            .where(func.coalesce(PageState.fetched_at, Article.last_seen_at) < policy.due_before(now))
            .order_by(Article.id)
            .limit(REVISIT_PAGE)
        )
        database, after = get_database(self.crawler), 0
        while True:  # pages of the query (keyset): no cursor held open across the crawl
            with database.sessions() as session:
                rows = session.execute(query.where(Article.id > after)).all()
            for pk, url, published, last_seen, fetched in rows:
                after = pk
                if policy.is_due(published, fetched or last_seen, now):
                    yield url
            if len(rows) < REVISIT_PAGE:
                return

    def _stat(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"khabar/{key}", count)

    # --- discovery -----------------------------------------------------------------------

    def _count_coverage(self, item: ArticleItem) -> None:
        """Per-field coverage of the items the spider extracts (checked by the alarms)."""
        self._stat("coverage/items")
        for field in COVERAGE_FIELDS:
            if getattr(item, field) or (field == "published_at" and self._readable_date(item)):
                self._stat(f"coverage/{field}")

    @staticmethod
    def _readable_date(item: ArticleItem) -> bool:
        """A date the page showed only as text counts when it reads as a date (the clean
        pipeline parses it): an unreadable one is what the coverage alarm must hear of."""
        raw = item.published_at_raw
        now = datetime.fromisoformat(item.fetched_at) if item.fetched_at else None
        return bool(raw) and parse_display_date(raw, now=now) is not None

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        sitemaps = list(sitemap_urls_from_robots(response.body, base_url=response.url))
        if not sitemaps:
            sitemaps = [f"{self.site.origin}/sitemap_index.xml", f"{self.site.origin}/sitemap.xml"]
        for url in sitemaps:
            site_url = self.site.to_site_url(response.urljoin(url))
            if self.site.is_on_site(site_url):
                yield self.follow_site(site_url, self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        body = response.body
        if body[:2] == _GZIP_MAGIC:
            body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        kind, entries = parse_sitemap(body)
        if not kind:
            self._stat("discovery/sitemap/invalid")
            logger.warning("Not a sitemap: %s", response.url)
            return
        self._stat(f"discovery/sitemap/{kind}")
        for entry in entries:
            url = self.site.to_site_url(response.urljoin(entry.url))
            if not self.site.is_on_site(url):
                continue
            if kind == "sitemapindex":
                yield self.follow_site(url, self.parse_sitemap)
            elif is_crawlable(url):
                self._stat("discovery/sitemap/urls")
                yield self.follow_site(
                    url,
                    self.parse_page,
                    published_hint=entry.published,
                    lastmod=entry.lastmod or entry.published,
                )

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        entries = parse_feed(response.body)
        self._stat("discovery/feed/urls", len(entries))
        for entry in entries:
            url = self.site.to_site_url(response.urljoin(entry.url))
            if self.site.is_on_site(url) and is_crawlable(url):
                yield self.follow_site(
                    url, self.parse_page, published_hint=entry.published, lastmod=entry.published
                )

    # --- pages ---------------------------------------------------------------------------

    def parse_page(self, response: Response) -> Iterator[ArticleItem | scrapy.Request]:
        if not isinstance(response, TextResponse) or b"html" not in (
            response.headers.get("Content-Type") or b"html"
        ):
            self._stat("page/not_html")
            return
        content_type = response.headers.get("Content-Type")
        decoded = decode_page(response.body, content_type.decode("latin-1") if content_type else None)
        if decoded.source != "declared":
            self._stat(f"extract/encoding/{decoded.source}")
        text = decoded.text
        if decoded.source == "replaced":  # undecodable bytes: left out, never stored as U+FFFD
            logger.warning("%s: undecodable bytes left out (read as %s)", response.url, decoded.encoding)
            text = text.replace("\ufffd", "")
        page = Page(text, response.url, self.site)
        problem = page_problem(text, page.root)
        if problem:
            self._stat(f"page/{problem}")
            logger.warning(
                "%s: %s (status %s), not stored", problem.replace("_", " "), response.url, response.status
            )
            self.crawler.signals.send_catch_log(page_rejected, url=response.url, reason=problem, detail=None)
            return
        try:
            verdict = classify(page)
            item = build_item(page) if verdict.article else None
        except Exception as exc:  # a broken page must never stop the crawl
            self._stat("extract/error")
            logger.error(
                "Extraction failed for %s: %s: %s", response.url, type(exc).__name__, exc, exc_info=True
            )
            self.crawler.signals.send_catch_log(
                page_rejected,
                url=response.url,
                reason="extraction_error",
                detail=f"{type(exc).__name__}: {exc}",
            )
            item = None
        else:
            self._stat("extract/article" if verdict.article else "extract/not_article")
            if not verdict.article and verdict.substantial_text:
                self._reject_text_page(response)
        if item is not None:
            self._complete(item, response)
            yield item
        seen = self._seen_check()
        skipped = 0
        for url in page_links(page):
            fetch_url = self.site.to_fetch_url(url)
            if seen is not None and seen(url_fingerprint(fetch_url)):
                skipped += 1
                continue
            yield scrapy.Request(fetch_url, callback=self.parse_page)
        if skipped:
            self._stat("discovery/links_seen", skipped)

    def _complete(self, item: ArticleItem, response: Response) -> None:
        """Crawl metadata, what discovery knew of the page, and the extraction's counts."""
        # a news sitemap's or feed's publication date is exact; a sitemap's lastmod only
        # stands in when the page shows no date at all
        hint = response.meta.get("published_hint") or (
            None if item.published_at_raw else response.meta.get("lastmod")
        )
        if not item.published_at and hint:
            item.published_at = iso_datetime(hint)
            if item.published_at:
                item.field_layers["published_at"] = "discovery"
        item.fetched_url = response.url
        item.redirect_urls = list(response.meta.get("redirect_urls", []))
        item.status = response.status
        item.fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
        self._count_coverage(item)
        for field, layer in item.field_layers.items():
            self._stat(f"extract/layer/{field}/{layer}")

    def _reject_text_page(self, response: Response) -> None:
        """A page with the text of an article and no sign of one: recorded, never silent."""
        self._stat("extract/rejected/not_article")
        logger.warning("Not an article, though it holds a long text: %s", response.url)
        self.crawler.signals.send_catch_log(
            page_rejected,
            url=response.url,
            reason="not_article",
            detail="a long text without a headline or any article metadata",
        )

    def _seen_check(self) -> Callable[[bytes], bool] | None:
        """The duplicate filter's membership test, when it has one: navigation, footer and card
        links repeat on every page, and building a request only for the filter to drop it
        costs more than the page's extraction. The filter stays the authority; nothing is
        remembered here."""
        engine = self.crawler.engine
        dupefilter = getattr(engine.scheduler, "df", None) if engine is not None else None
        has_seen = getattr(dupefilter, "has_seen", None)
        return has_seen if callable(has_seen) else None
