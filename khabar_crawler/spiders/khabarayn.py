"""The khabarayn spider: discovers article pages and yields one :class:`ArticleItem` each.

    scrapy crawl khabarayn                               # live site (KHABARAYN_BASE_URL)
    scrapy crawl khabarayn -a replay=fixtures/khabarayn  # offline, from a saved snapshot
    scrapy crawl khabarayn -a record=snapshots/today     # live, saving every response

Discovery: robots.txt (its ``Sitemap:`` lines), sitemap indexes and news sitemaps, the RSS
feed, the home page, and every on-site link of the pages it reads (categories, pagination,
see-also and related links). Whether a page is an article is decided by its content, not its
URL (see :func:`khabar_crawler.extract.classify.classify`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import sitemap_urls_from_robots

from khabar_crawler.extract import Page
from khabar_crawler.extract.article import build_item
from khabar_crawler.extract.challenge import page_problem
from khabar_crawler.extract.classify import classify
from khabar_crawler.extract.discovery import is_crawlable, page_links, parse_feed, parse_sitemap
from khabar_crawler.extract.encoding import decode_page
from khabar_crawler.frontier.dupefilter import SeenUrls
from khabar_crawler.frontier.revisit import crawl_revisits
from khabar_crawler.items import ArticleItem, RejectedPage
from khabar_crawler.runs.lean import inc_values
from khabar_crawler.site import Site
from khabar_crawler.snapshot.manifest import open_snapshot
from khabar_crawler.snapshot.replay import switch_off_unused
from khabar_crawler.text.dates import iso_datetime, parse_display_date

logger = logging.getLogger(__name__)
_GZIP_MAGIC = b"\x1f\x8b"
#: the spider arguments (``-a name=value``) and Scrapyd's own job id, accepted and recorded
ARGUMENTS = ("full", "record", "replay")
SCRAPYD_ARGUMENTS = ("_job",)
_YES, _NO = ("1", "true", "yes"), ("", "0", "false", "no")


class SpiderArgumentError(ValueError):
    """A spider argument the crawl does not know, or a value it cannot take."""


def check_arguments(arguments: dict[str, str]) -> None:
    """Refuse (:class:`SpiderArgumentError`, one line naming them) unknown arguments, ``full``
    other than yes/no, and ``replay`` with ``record``: a mistyped ``-a repaly=DIR`` must not
    silently crawl the live site."""
    unknown = sorted(set(arguments) - {*ARGUMENTS, *SCRAPYD_ARGUMENTS})
    if unknown:
        raise SpiderArgumentError(
            f"unknown spider argument{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"
            f" (the khabarayn spider takes {', '.join(f'-a {name}=...' for name in ARGUMENTS)})"
        )
    full = arguments.get("full", "").lower()
    if full not in _YES + _NO:
        raise SpiderArgumentError(f"-a full={arguments['full']!r}: say 1 (a full recrawl) or 0")
    if arguments.get("replay") and arguments.get("record"):
        raise SpiderArgumentError("-a replay and -a record cannot be used together")


#: fields whose share among extracted items the coverage alarms watch
COVERAGE_FIELDS = ("title", "body", "published_at", "category", "summary", "article_id")
_COVERAGE_KEYS = tuple((field, f"khabar/coverage/{field}") for field in COVERAGE_FIELDS)


class KhabaraynSpider(scrapy.Spider):
    name = "khabarayn"
    site: Site
    allowed_domains: list[str]
    #: the spider arguments of this run (recorded in crawl_runs)
    arguments: dict[str, str]

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> KhabaraynSpider:
        arguments = {key: str(value) for key, value in kwargs.items()}
        check_arguments(arguments)
        replay, record = kwargs.pop("replay", None), kwargs.pop("record", None)
        settings = crawler.settings
        if replay:
            settings.set("KHABAR_REPLAY_DIR", replay, priority="spider")
            # a snapshot is local: no politeness delays, and its URLs are the site's own
            settings.set("AUTOTHROTTLE_ENABLED", False, priority="spider")
            settings.set("DOWNLOAD_DELAY", 0, priority="spider")
            settings.set("KHABARAYN_BASE_URL", settings.get("KHABARAYN_SITE_URL"), priority="spider")
        if record:
            settings.set("KHABAR_RECORD_DIR", record, priority="spider")
        if settings.get("KHABAR_REPLAY_DIR"):
            switch_off_unused(settings)  # Scrapy's middlewares that a replay cannot use
        if str(kwargs.pop("full", "")).lower() in _YES:
            settings.set("KHABAR_FULL_RECRAWL", True, priority="spider")
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
        for a revisit (:func:`khabar_crawler.frontier.revisit.crawl_revisits`). Those come
        lazily, so that neither is held in memory as queued requests, and pages already
        requested are skipped without a request."""
        origin = self.site.origin
        yield self.follow_site(f"{origin}/robots.txt", self.parse_robots)
        yield self.follow_site(f"{origin}/", self.parse_page)
        yield self.follow_site(f"{origin}/feed/", self.parse_feed)
        seen = self._seen
        for url in self._snapshot_pages():
            await self._frontier_drained()
            if seen is not None and seen(self.site.to_fetch_url(url)):
                self._stat("replay/seeds_seen")
            else:
                self._stat("replay/seeds")
                yield self.follow_site(url, self.parse_page)
        for url in crawl_revisits(self.crawler):
            await self._frontier_drained()
            self._stat("incremental/revisits")
            yield self.follow_site(url, self.parse_page, khabar_revisit=True)

    async def _frontier_drained(self) -> None:
        """While the downloader is busy, wait for the scheduler to run empty (Scrapy's recipe
        for lazy start requests: ``engine.needs_backout()``, the ``scheduler_empty`` signal)."""
        if self.crawler.engine.needs_backout():
            await self.crawler.signals.wait_for(signals.scheduler_empty)

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

    def _stat(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"khabar/{key}", count)

    # --- discovery -----------------------------------------------------------------------

    def _count_coverage(self, item: ArticleItem, counts: list[str]) -> None:
        """Per-field coverage of the items the spider extracts (checked by the alarms), added
        to the page's ``counts``."""
        counts.append("khabar/coverage/items")
        for field, key in _COVERAGE_KEYS:
            if getattr(item, field) or (field == "published_at" and self._readable_date(item)):
                counts.append(key)

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
        for entry in parse_feed(response.body):
            url = self.site.to_site_url(response.urljoin(entry.url))
            if self.site.is_on_site(url) and is_crawlable(url):
                self._stat("discovery/feed/urls")
                yield self.follow_site(
                    url, self.parse_page, published_hint=entry.published, lastmod=entry.published
                )

    # --- pages ---------------------------------------------------------------------------

    def parse_page(self, response: Response) -> Iterator[ArticleItem | RejectedPage | scrapy.Request]:
        """An HTML page: its article (or the record of why it gives none), then its links."""
        if not isinstance(response, TextResponse) or b"html" not in (
            response.headers.get("Content-Type") or b"html"
        ):
            self._stat("page/not_html")
            return
        text = self._text(response)
        page = Page(text, response.url, self.site)
        problem = page_problem(text, page.root)
        if problem:
            self._stat(f"page/{problem}")
            logger.warning(
                "%s: %s (status %s), not stored", problem.replace("_", " "), response.url, response.status
            )
            yield RejectedPage(url=response.url, reason=problem)
            return
        yield from self._article(response, page)
        yield from self._links(page)

    def _text(self, response: Response) -> str:
        """The page's text, decoded as browsers would (:func:`decode_page`); bytes that decode
        in no charset are left out, never stored as U+FFFD."""
        content_type = response.headers.get("Content-Type")
        decoded = decode_page(response.body, content_type.decode("latin-1") if content_type else None)
        if decoded.source == "declared":
            return decoded.text
        self._stat(f"extract/encoding/{decoded.source}")
        if decoded.source != "replaced":
            return decoded.text
        logger.warning("%s: undecodable bytes left out (read as %s)", response.url, decoded.encoding)
        return decoded.text.replace("\ufffd", "")

    def _article(self, response: Response, page: Page) -> Iterator[ArticleItem | RejectedPage]:
        """The page's article; a RejectedPage when extraction fails or a long text is no article."""
        try:
            verdict = classify(page)
            item = build_item(page) if verdict.article else None
        except Exception as exc:  # a broken page must never stop the crawl
            self._stat("extract/error")
            logger.error(
                "Extraction failed for %s: %s: %s", response.url, type(exc).__name__, exc, exc_info=True
            )
            yield RejectedPage(
                url=response.url, reason="extraction_error", detail=f"{type(exc).__name__}: {exc}"
            )
            return
        # the page's counts, added to the stats at once
        counts = ["khabar/extract/article" if verdict.article else "khabar/extract/not_article"]
        if verdict.article:  # what told an article: a surge of weak signs is metadata lost
            counts.append(f"khabar/extract/sign/{verdict.signs[0]}")
        if item is not None:
            self._complete(item, response, counts)
        inc_values(self.crawler, counts)
        if item is not None:
            yield item
        elif verdict.substantial_text:
            yield self._reject_text_page(response)

    def _links(self, page: Page) -> Iterator[scrapy.Request]:
        """Requests for the page's on-site links the duplicate filter has not seen."""
        seen = self._seen
        skipped = 0
        for url in page_links(page):
            fetch_url = self.site.to_fetch_url(url)
            if seen is not None and seen(fetch_url):
                skipped += 1
                continue
            yield scrapy.Request(fetch_url, callback=self.parse_page)
        if skipped:
            self._stat("discovery/links_seen", skipped)

    def _complete(self, item: ArticleItem, response: Response, counts: list[str]) -> None:
        """Crawl metadata, what discovery knew of the page, and the extraction's counts (added
        to ``counts``)."""
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
        self._count_coverage(item, counts)
        counts.extend(f"khabar/extract/layer/{field}/{layer}" for field, layer in item.field_layers.items())

    def _reject_text_page(self, response: Response) -> RejectedPage:
        """A page with the text of an article and no sign of one: recorded, never silent."""
        self._stat("extract/rejected/not_article")
        logger.warning("Not an article, though it holds a long text: %s", response.url)
        return RejectedPage(
            url=response.url,
            reason="not_article",
            detail="a long text without a headline or any article metadata",
        )

    @cached_property
    def _seen(self) -> Callable[[str], bool] | None:
        """Whether a fetch URL was requested already, when the frontier can tell
        (:class:`khabar_crawler.frontier.dupefilter.SeenUrls`): navigation, footer and card
        links repeat on every page, and building a request only for the duplicate filter to
        drop it costs more than the page's extraction. Looked up once, when the crawl has
        started (extensions are built after the spider)."""
        return self.crawler.get_extension(SeenUrls)
