"""StorePipeline: write articles to the database (``DATABASE_URL``), with history.

Upsert semantics: a new article inserts ``articles`` + version 1 + tags, images, links and
URLs; an unchanged article only has its ``last_seen_at`` moved; a changed article (new
content hash or new modified time) is updated and gets one more ``article_versions`` row;
an item marked ``alias_of`` (same content under another URL) adds an ``article_urls`` row to
the existing article. Near duplicates found by dedupe are flagged in ``near_duplicates``.
Which extraction layer filled each field (``field_layers``) is written on insert and update,
and refreshed by an unchanged visit that recorded layers.

Writes are batched (``KHABAR_STORE_BATCH_SIZE`` items or ``KHABAR_STORE_FLUSH_SECONDS``) in
one transaction each and flushed when the spider closes, which Scrapy also does on the first
SIGINT/SIGTERM, so no acknowledged item is lost on a clean or signalled shutdown. A batch that
fails is retried item by item; an item that still fails is recorded in ``rejected_pages``.

Rejected pages (items dropped by validation, pages whose extraction failed) are recorded in
``rejected_pages`` with the run; each run is a ``crawl_runs`` row with its arguments, finish
reason, counts and stats.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from sqlalchemy import ColumnElement, Table, insert, or_, select
from sqlalchemy.orm import Session

from khabar_crawler.db import Database, get_database
from khabar_crawler.db.models import (
    Article,
    ArticleImage,
    ArticleLink,
    ArticleTag,
    ArticleUrl,
    ArticleVersion,
    CrawlRun,
    NearDuplicate,
    RejectedPage,
    Tag,
)
from khabar_crawler.items import ArticleItem
from khabar_crawler.signals import batch_stored, page_rejected
from khabar_crawler.site import Site
from khabar_crawler.text.dates import parse_datetime
from khabar_crawler.text.normalize import SEARCH_PROFILE, search_form
from khabar_crawler.text.simhash import bands, to_signed
from pipelines.validate import InvalidItem

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rejection:
    url: str
    reason: str
    detail: str | None
    at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return pid != os.getpid()


def run_status(reason: str | None) -> str:
    """``finished`` for a normal end (closespider limits included), ``interrupted`` for a
    signalled shutdown, ``failed`` otherwise."""
    if reason == "finished" or (reason or "").startswith("closespider_"):
        return "finished"
    if reason == "shutdown":
        return "interrupted"
    return "failed"


class StorePipeline:
    def __init__(self, crawler: Crawler, batch_size: int, flush_seconds: float) -> None:
        self.crawler = crawler
        self.batch_size = max(1, batch_size)
        self.flush_seconds = flush_seconds
        self.site = Site.from_settings(crawler.settings)
        self.database: Database | None = None
        self.run_id: int | None = None
        self._items: list[ArticleItem] = []
        self._tags: dict[str, Tag] = {}
        self._articles_by_url: dict[str, Article] = {}
        self._articles_by_id: dict[str, Article] = {}
        self._url_rows: dict[str, ArticleUrl] = {}
        self._rejections: list[Rejection] = []
        self._last_flush = time.monotonic()
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.page_rejected, signal=page_rejected)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        settings = crawler.settings
        return cls(
            crawler,
            settings.getint("KHABAR_STORE_BATCH_SIZE", 100),
            settings.getfloat("KHABAR_STORE_FLUSH_SECONDS", 5.0),
        )

    # --- run records ---------------------------------------------------------------------

    def open_spider(self, spider: Spider | None = None) -> None:
        self.database = get_database(self.crawler)
        spider = spider or self.crawler.spider
        arguments = dict(getattr(spider, "arguments", {}) or {})
        with self.database.sessions.begin() as session:
            recovered = self._close_dead_runs(session)
            run = CrawlRun(
                host=socket.gethostname(),
                pid=os.getpid(),
                spider=getattr(spider, "name", "?"),
                started_at=_now(),
                status="running",
                arguments=arguments,
            )
            session.add(run)
            session.flush()
            self.run_id = run.id
        if recovered:
            self._stats().set_value("khabar/runs/recovered", recovered)
            logger.warning("Earlier run(s) %s ended without closing (killed?): marked 'killed'", recovered)
        logger.info("Crawl run %s started", self.run_id)

    def _close_dead_runs(self, session: Session) -> list[int]:
        """Runs of this host still 'running' whose process is gone: killed (SIGKILL, crash)."""
        dead = []
        host = socket.gethostname()
        for run in session.scalars(
            select(CrawlRun).where(CrawlRun.status == "running", CrawlRun.host == host)
        ):
            if run.pid is None or not _process_alive(run.pid):
                run.status, run.finish_reason = "killed", "killed"
                dead.append(run.id)
        return dead

    def close_spider(self, spider: Spider | None = None) -> None:
        self.flush()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.database is None or self.run_id is None:
            return
        stats = self._stats()
        raw = stats.get_stats()
        with self.database.sessions.begin() as session:
            run = session.get(CrawlRun, self.run_id)
            assert run is not None
            run.finished_at = _now()
            run.finish_reason = reason
            run.status = "failed" if raw.get("khabar/alarm/failed") else run_status(reason)
            run.pages_fetched = int(raw.get("response_received_count", 0))
            run.items_new = int(raw.get("khabar/store/new", 0))
            run.items_updated = int(raw.get("khabar/store/updated", 0))
            run.items_unchanged = int(raw.get("khabar/store/unchanged", 0))
            run.items_rejected = int(raw.get("khabar/store/rejected", 0))
            run.errors = int(raw.get("log_count/ERROR", 0))
            run.stats = {key: _jsonable(value) for key, value in sorted(raw.items())}
            status = run.status
        logger.info("Crawl run %s %s (%s)", self.run_id, status, reason)

    # --- items and rejections ------------------------------------------------------------

    def _stats(self) -> Any:
        assert self.crawler.stats is not None
        return self.crawler.stats

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem):
            self._items.append(item)
            self._maybe_flush()
        return item

    def item_dropped(
        self, item: Any, response: Response | None, exception: BaseException, spider: Spider
    ) -> None:
        if isinstance(exception, InvalidItem):
            url = exception.url or (response.url if response is not None else "")
            self._reject(url, exception.reason, str(exception))

    def page_rejected(self, url: str, reason: str, detail: str | None = None) -> None:
        self._reject(url, reason, detail)

    def _reject(self, url: str, reason: str, detail: str | None) -> None:
        self._rejections.append(Rejection(url, reason, detail, _now()))
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        pending = len(self._items) + len(self._rejections)
        if pending >= self.batch_size or time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        """Write what is pending in one transaction (item by item if the batch fails)."""
        items, rejections = self._items, self._rejections
        self._items, self._rejections = [], []
        self._last_flush = time.monotonic()
        if not items and not rejections:
            return
        assert self.database is not None
        try:
            with self.database.sessions.begin() as session, session.no_autoflush:
                # one flush at commit: inserts of the whole batch go out together
                inserted = self._insert_new(session, items)
                rest = [item for item in items if id(item) not in inserted]
                if inserted and rest:
                    self._preload(session, rest)  # they may refer to the articles just inserted
                stored = {id(item): self._store(session, item) for item in rest}
                outcomes = [stored.get(id(item), "new") for item in items]
                for rejection in rejections:
                    self._add_rejection(session, rejection)
        except Exception:
            logger.exception("Batch of %d items failed; retrying item by item", len(items))
            self._stats().inc_value("khabar/store/batch_errors")
            outcomes = self._flush_one_by_one(items, rejections)
        else:
            self._stats().inc_value("khabar/store/rejected", len(rejections))
        self.crawler.signals.send_catch_log(batch_stored, items=items)
        for outcome in outcomes:
            if outcome:
                self._stats().inc_value(f"khabar/store/{outcome}")
        self._stats().inc_value("khabar/store/batches")

    def _flush_one_by_one(self, items: list[ArticleItem], rejections: list[Rejection]) -> list[str]:
        assert self.database is not None
        outcomes: list[str] = []
        for item in items:
            try:
                with self.database.sessions.begin() as session:
                    self._preload(session, [item])
                    outcomes.append(self._store(session, item))
            except Exception as exc:
                logger.error("Could not store %s: %s: %s", item.canonical_url, type(exc).__name__, exc)
                rejections.append(
                    Rejection(item.canonical_url, "store_error", f"{type(exc).__name__}: {exc}", _now())
                )
        with self.database.sessions.begin() as session:
            for rejection in rejections:
                self._add_rejection(session, rejection)
        self._stats().inc_value("khabar/store/rejected", len(rejections))
        return outcomes

    def _add_rejection(self, session: Session, rejection: Rejection) -> None:
        session.add(
            RejectedPage(
                url=rejection.url,
                reason=rejection.reason,
                detail=rejection.detail,
                run_id=self.run_id,
                rejected_at=rejection.at,
            )
        )

    # --- one article ---------------------------------------------------------------------

    def _store(self, session: Session, item: ArticleItem) -> str:
        now = _now()
        if item.alias_of:
            target = self._articles_by_url.get(item.alias_of) or session.scalar(
                select(Article).where(Article.canonical_url == item.alias_of)
            )
            if target is not None:
                target.last_seen_at = now
                self._add_urls(
                    session, target, [(item.canonical_url, "duplicate"), *self._seen_urls(item)], now
                )
                return "alias"
        article = self._articles_by_url.get(item.canonical_url) or (
            self._articles_by_id.get(item.article_id) if item.article_id else None
        )
        if article is None:
            article = Article(first_seen_at=now, first_run_id=self.run_id, version=0)
            self._apply(session, article, item, now)
            session.add(article)
            self._articles_by_url[item.canonical_url] = article
            if item.article_id:
                self._articles_by_id[item.article_id] = article
            self._add_urls(session, article, [(item.canonical_url, "canonical"), *self._seen_urls(item)], now)
            self._flag_near_duplicates(session, article, item, now)
            return "new"
        article.last_seen_at = now
        article.last_run_id = self.run_id
        if item.field_layers:  # the latest reading's layers, even when its content is unchanged
            article.field_layers = dict(item.field_layers)
        self._add_urls(session, article, [(item.canonical_url, "canonical"), *self._seen_urls(item)], now)
        modified = parse_datetime(item.modified_at) if item.modified_at else None
        if article.content_hash == item.content_hash and article.modified_at == modified:
            return "unchanged"
        self._apply(session, article, item, now)
        return "updated"

    def _insert_new(self, session: Session, items: list[ArticleItem]) -> set[int]:
        """New articles of the batch (no stored article by URL or id, first in the batch, not
        an alias, no near duplicate to flag) inserted with one multi-row statement per table,
        without building ORM objects; returns the ``id()`` of the items written. The rest of
        the batch goes through :meth:`_store` afterwards and sees these rows."""
        self._preload(session, items)
        now = _now()
        chosen: list[ArticleItem] = []
        urls: set[str] = set()
        ids: set[str] = set()
        for item in items:
            article_id = item.article_id
            if (
                item.alias_of
                or item.near_duplicates
                or item.canonical_url in self._articles_by_url
                or item.canonical_url in urls
                or (article_id and (article_id in self._articles_by_id or article_id in ids))
            ):
                continue
            chosen.append(item)
            urls.add(item.canonical_url)
            if article_id:
                ids.add(article_id)
        if not chosen:
            return set()
        rows = [
            {
                **self._article_values(item, now),
                "version": 1,
                "first_seen_at": now,
                "first_run_id": self.run_id,
            }
            for item in chosen
        ]
        table = cast(Table, Article.__table__)
        pks = session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
        ).scalars()
        tags = {name: self._tag(session, name) for item in chosen for name in item.tags}
        if any(tag.id is None for tag in tags.values()):
            session.flush()  # ids of the batch's new tags
        versions, article_tags, images, links, url_rows = [], [], [], [], []
        for item, pk, row in zip(chosen, pks, rows, strict=True):
            versions.append(self._version_values(item, row, now) | {"article_pk": pk, "version": 1})
            article_tags += [
                {"article_pk": pk, "tag_id": tags[name].id, "position": i} for i, name in enumerate(item.tags)
            ]
            images += [{"article_pk": pk, **image} for image in self._image_values(item)]
            links += [{"article_pk": pk, **link} for link in self._link_values(item)]
            for url, kind in [(item.canonical_url, "canonical"), *self._seen_urls(item)]:
                known = self._url_rows.get(url)
                if known is not None:
                    known.last_seen_at = now
                elif url not in urls or kind == "canonical":
                    urls.add(url)
                    url_rows.append(
                        {
                            "article_pk": pk,
                            "url": url,
                            "kind": kind,
                            "first_seen_at": now,
                            "last_seen_at": now,
                        }
                    )
        for model, values in (
            (ArticleVersion, versions),
            (ArticleTag, article_tags),
            (ArticleImage, images),
            (ArticleLink, links),
            (ArticleUrl, url_rows),
        ):
            if values:
                session.execute(insert(cast(Table, model.__table__)), values)
        return {id(item) for item in chosen}

    def _seen_urls(self, item: ArticleItem) -> list[tuple[str, str]]:
        urls = [(self.site.on_origin(u), "redirect") for u in item.redirect_urls]
        if item.fetched_url:
            urls.append((self.site.on_origin(item.fetched_url), "fetched"))
        return urls

    def _article_values(self, item: ArticleItem, now: datetime) -> dict[str, Any]:
        """The ``articles`` columns an item sets (all but version and first-seen ones)."""
        assert item.content_hash is not None and item.simhash is not None
        b0, b1, b2, b3 = bands(item.simhash)
        return {
            "canonical_url": item.canonical_url,
            "article_id": item.article_id,
            "title": item.title or "",
            "summary": item.summary,
            "body": item.body,
            "title_search": item.title_search or search_form(item.title),
            "summary_search": item.summary_search or search_form(item.summary),
            "body_search": item.body_search or search_form(item.body),
            "search_profile": item.search_profile or SEARCH_PROFILE,
            "category": item.category,
            "language": item.language,
            "authors": list(item.authors),
            "sections": [dict(s) for s in item.sections],
            "published_at": parse_datetime(item.published_at) if item.published_at else None,
            "modified_at": parse_datetime(item.modified_at) if item.modified_at else None,
            "published_raw": (item.published_at_raw or "")[:100] or None,
            "modified_raw": (item.modified_at_raw or "")[:100] or None,
            "content_hash": item.content_hash,
            "simhash": to_signed(item.simhash),
            "simhash_band0": b0,
            "simhash_band1": b1,
            "simhash_band2": b2,
            "simhash_band3": b3,
            "last_seen_at": now,
            "updated_at": now,
            "last_run_id": self.run_id,
            # crawl metadata (not in the content hash); NULL when the item recorded none
            "field_layers": dict(item.field_layers) or None,
        }

    def _version_values(self, item: ArticleItem, article: dict[str, Any], now: datetime) -> dict[str, Any]:
        """An ``article_versions`` row (without article and number) for the article's values."""
        return {
            "content_hash": article["content_hash"],
            "title": article["title"],
            "summary": article["summary"],
            "body": article["body"],
            "sections": article["sections"],
            "modified_at": article["modified_at"],
            "fetched_at": parse_datetime(item.fetched_at) if item.fetched_at else None,
            "run_id": self.run_id,
            "recorded_at": now,
        }

    @staticmethod
    def _image_values(item: ArticleItem) -> list[dict[str, Any]]:
        return [
            {
                "position": i,
                "url": img["url"],
                "alt": img["alt"],
                "caption": img["caption"],
                "credit": img["credit"],
            }
            for i, img in enumerate(item.images)
        ]

    @staticmethod
    def _link_values(item: ArticleItem) -> list[dict[str, Any]]:
        links: list[dict[str, Any]] = [
            {
                "kind": "see_also",
                "position": i,
                "url": link["url"],
                "title": link["title"],
                "summary": None,
                "category": None,
            }
            for i, link in enumerate(item.see_also)
        ]
        links += [
            {
                "kind": "related",
                "position": i,
                "url": card["url"],
                "title": card["title"],
                "summary": card["summary"],
                "category": card["category"],
            }
            for i, card in enumerate(item.related)
        ]
        return links

    def _apply(self, session: Session, article: Article, item: ArticleItem, now: datetime) -> None:
        """Set the article's content from the item and append a version."""
        values = self._article_values(item, now)
        for column, value in values.items():
            setattr(article, column, value)
        article.version = (article.version or 0) + 1
        article.versions.append(
            ArticleVersion(version=article.version, **self._version_values(item, values, now))
        )
        if article.id is not None:
            # delete the old children first: their (article, position) keys are reused
            article.tags.clear()
            article.images.clear()
            article.links.clear()
            session.flush()
        article.tags = [
            ArticleTag(tag=self._tag(session, name), position=i) for i, name in enumerate(item.tags)
        ]
        article.images = [ArticleImage(**image) for image in self._image_values(item)]
        article.links = [ArticleLink(**link) for link in self._link_values(item)]

    def _preload(self, session: Session, items: list[ArticleItem]) -> None:
        """What the batch's items will look up, in one query each: their stored articles (by
        canonical URL or article id, or the article an alias points to), the URL rows they
        touch and their tags. Rows added by the batch join these maps as they are made."""
        urls = {item.canonical_url for item in items} | {item.alias_of for item in items if item.alias_of}
        ids = {item.article_id for item in items if item.article_id}
        condition: ColumnElement[bool] = Article.canonical_url.in_(urls)
        if ids:
            condition = or_(condition, Article.article_id.in_(ids))
        self._articles_by_url, self._articles_by_id = {}, {}
        for article in session.scalars(select(Article).where(condition)):
            self._articles_by_url[article.canonical_url] = article
            if article.article_id:
                self._articles_by_id.setdefault(article.article_id, article)
        wanted = {url for item in items for url, _ in [(item.canonical_url, ""), *self._seen_urls(item)]}
        self._url_rows = {
            row.url: row for row in session.scalars(select(ArticleUrl).where(ArticleUrl.url.in_(wanted)))
        }
        names = {name for item in items for name in item.tags}
        self._tags = (
            {tag.name: tag for tag in session.scalars(select(Tag).where(Tag.name.in_(names)))}
            if names
            else {}
        )

    def _tag(self, session: Session, name: str) -> Tag:
        tag = self._tags.get(name)
        if tag is None:
            tag = self._tags[name] = Tag(name=name, name_search=search_form(name))
            session.add(tag)
        return tag

    def _add_urls(
        self, session: Session, article: Article, urls: list[tuple[str, str]], now: datetime
    ) -> None:
        wanted: dict[str, str] = {}
        for url, kind in urls:
            wanted.setdefault(url, kind)
        for url, kind in wanted.items():
            row = self._url_rows.get(url)
            if row is not None:
                row.last_seen_at = now
            else:
                row = ArticleUrl(article=article, url=url, kind=kind, first_seen_at=now, last_seen_at=now)
                session.add(row)
                self._url_rows[url] = row

    def _flag_near_duplicates(
        self, session: Session, article: Article, item: ArticleItem, now: datetime
    ) -> None:
        if not item.near_duplicates:
            return
        session.flush()  # the new article's id
        for ref in item.near_duplicates:
            other = session.scalar(select(Article.id).where(Article.canonical_url == ref["url"]))
            if other is not None and other != article.id:
                session.add(
                    NearDuplicate(
                        article_pk=article.id,
                        other_article_pk=other,
                        similarity=ref["similarity"],
                        run_id=self.run_id,
                        detected_at=now,
                    )
                )
