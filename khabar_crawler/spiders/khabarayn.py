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
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import sitemap_urls_from_robots
from sqlalchemy import func, select

from khabar_crawler.db import get_database
from khabar_crawler.db.models import Article, PageState
from khabar_crawler.distributed import configure_redis
from khabar_crawler.extract import Page
from khabar_crawler.extract.article import build_item, is_article_page
from khabar_crawler.extract.challenge import page_problem
from khabar_crawler.extract.dates import iso_datetime
from khabar_crawler.extract.discovery import is_crawlable, page_links, parse_feed, parse_sitemap
from khabar_crawler.items import ArticleItem
from khabar_crawler.revisit import RevisitPolicy
from khabar_crawler.signals import page_rejected
from khabar_crawler.site import Site
from khabar_crawler.snapshot import Snapshot

logger = logging.getLogger(__name__)
_GZIP_MAGIC = b"\x1f\x8b"
#: how many recently followed links a spider remembers (see _recently_followed)
RECENT_LINKS = 10_000
#: fields whose share among extracted items the coverage alarms watch
COVERAGE_FIELDS = ("title", "body", "published_at", "category", "summary", "article_id")


class KhabaraynSpider(scrapy.Spider):
    name = "khabarayn"
    site: Site
    allowed_domains: list[str]
    #: the spider arguments of this run (recorded in crawl_runs)
    arguments: dict[str, str]
    #: links followed lately, most recent last (see _recently_followed)
    recent_links: OrderedDict[str, None]

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
        spider.recent_links = OrderedDict()
        spider.site = Site.from_settings(settings)
        spider.allowed_domains = spider.site.domains
        return spider

    # --- requests ------------------------------------------------------------------------

    def follow_site(self, url: str, callback: Any, **meta: Any) -> scrapy.Request:
        """A request for a canonical site URL, fetched from the base URL."""
        return scrapy.Request(self.site.to_fetch_url(url), callback=callback, meta=meta or None)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        origin = self.site.origin
        yield self.follow_site(f"{origin}/robots.txt", self.parse_robots)
        yield self.follow_site(f"{origin}/", self.parse_page)
        yield self.follow_site(f"{origin}/feed/", self.parse_feed)
        for url in self._snapshot_pages():
            yield self.follow_site(url, self.parse_page)
        for url in self._due_revisits():
            self._stat("incremental/revisits")
            yield self.follow_site(url, self.parse_page, khabar_revisit=True)

    def _snapshot_pages(self) -> Iterator[str]:
        """In replay, every saved HTML page is read, linked from the site's pages or not: a
        snapshot holds what was worth saving, and its article pages must all give items."""
        directory = self.crawler.settings.get("KHABAR_REPLAY_DIR")
        if not directory:
            return
        for saved in Snapshot(directory):
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
            select(Article.canonical_url, Article.published_at, Article.last_seen_at, PageState.fetched_at)
            .outerjoin(PageState, PageState.url == Article.canonical_url)
            .where(func.coalesce(PageState.fetched_at, Article.last_seen_at) < policy.due_before(now))
            .execution_options(yield_per=1000)
        )
        with get_database(self.crawler).sessions() as session:
            for url, published, last_seen, fetched in session.execute(query):
                if policy.is_due(published, fetched or last_seen, now):
                    yield url

    def _stat(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"khabar/{key}", count)

    # --- discovery -----------------------------------------------------------------------

    def _count_coverage(self, item: ArticleItem) -> None:
        """Per-field coverage of the items the spider extracts (checked by the alarms)."""
        self._stat("coverage/items")
        for field in COVERAGE_FIELDS:
            if getattr(item, field) or (field == "published_at" and item.published_at_raw):
                self._stat(f"coverage/{field}")

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
        page = Page(response.text, response.url, self.site)
        problem = page_problem(response.text, page.root)
        if problem:
            self._stat(f"page/{problem}")
            logger.warning(
                "%s: %s (status %s), not stored", problem.replace("_", " "), response.url, response.status
            )
            self.crawler.signals.send_catch_log(page_rejected, url=response.url, reason=problem, detail=None)
            return
        try:
            article = is_article_page(page)
            item = build_item(page) if article else None
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
            self._stat("extract/article" if article else "extract/not_article")
        if item is not None:
            if not item.published_at and response.meta.get("published_hint"):
                item.published_at = iso_datetime(response.meta["published_hint"])
            item.fetched_url = response.url
            item.redirect_urls = list(response.meta.get("redirect_urls", []))
            item.status = response.status
            item.fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
            self._count_coverage(item)
            yield item
        for url in page_links(page):
            if self._recently_followed(url):
                continue
            yield self.follow_site(url, self.parse_page)

    def _recently_followed(self, url: str) -> bool:
        """Navigation, footer and card links repeat on every page: skip building requests that
        the duplicate filter would drop anyway (a bounded memory of recent links; the
        duplicate filter stays the authority)."""
        recent = self.recent_links
        if url in recent:
            recent.move_to_end(url)
            return True
        recent[url] = None
        if len(recent) > RECENT_LINKS:
            recent.popitem(last=False)
        return False
