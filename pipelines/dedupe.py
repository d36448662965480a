"""DedupePipeline: one article per canonical URL or article id, within a run and across runs.

For each item, in order:

1. the same canonical URL or article id earlier in this run with the same content: dropped
   as a duplicate (``khabar/dedupe/duplicate_in_run``);
2. an article already stored under that URL or id: passed on, the store updates it
   (``khabar/dedupe/known``);
3. the same normalised content hash as another article (stored, or earlier in this run):
   marked ``alias_of`` that article: the store records the URL as an alias, not a new
   article (``khabar/dedupe/alias``);
4. otherwise a new article; articles whose SimHash similarity reaches
   ``KHABAR_NEAR_DUPLICATE_SIMILARITY`` are listed in ``near_duplicates`` and flagged by the
   store, never merged (``khabar/dedupe/near_duplicate``).

State lives in the database. The items that passed here but that the store has not written
yet (at most a batch) are remembered until the store's ``batch_stored`` signal: memory does not
grow with the crawl.
"""

from __future__ import annotations

import hashlib
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from sqlalchemy import bindparam, or_, select

from khabar_crawler.db import Database, get_database
from khabar_crawler.db.models import Article
from khabar_crawler.items import ArticleItem, NearDuplicateRef
from khabar_crawler.signals import batch_stored
from khabar_crawler.text.normalize import search_form, words
from khabar_crawler.text.simhash import bands, simhash, similarity, to_unsigned


def content_hash(item: ArticleItem) -> str:
    """SHA-256 of the normalised title, summary and body."""
    parts = [
        item.title_search or search_form(item.title),
        item.summary_search or search_form(item.summary),
        item.body_search or search_form(item.body),
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def content_simhash(item: ArticleItem) -> int:
    return simhash(words(item.body_search or search_form(item.body)))


#: the statements of every lookup, built once (parameters bound per item)
_LOOKUP = (
    select(Article.canonical_url, Article.article_id, Article.content_hash)
    .where(
        or_(
            Article.canonical_url == bindparam("url"),
            Article.content_hash == bindparam("digest"),
            Article.article_id == bindparam("article_id"),  # = NULL matches nothing
        )
    )
    .order_by(Article.id)
    .limit(20)
)
_SAME_BAND = select(Article.canonical_url, Article.simhash).where(
    or_(
        Article.simhash_band0 == bindparam("b0"),
        Article.simhash_band1 == bindparam("b1"),
        Article.simhash_band2 == bindparam("b2"),
        Article.simhash_band3 == bindparam("b3"),
    )
)


class DedupePipeline:
    def __init__(self, crawler: Crawler, threshold: float) -> None:
        self.crawler = crawler
        self.threshold = threshold
        self.database: Database | None = None
        # items not yet written by the store: URL -> hash, id -> hash, hash -> URL, URL -> SimHash
        self._urls: dict[str, str] = {}
        self._ids: dict[str, str] = {}
        self._hashes: dict[str, str] = {}
        self._simhashes: dict[str, int] = {}
        crawler.signals.connect(self.batch_stored, signal=batch_stored)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler, crawler.settings.getfloat("KHABAR_NEAR_DUPLICATE_SIMILARITY", 0.9))

    def open_spider(self, spider: Spider | None = None) -> None:
        self.database = get_database(self.crawler)

    def _stat(self, event: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"khabar/dedupe/{event}")

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        item.content_hash = item.content_hash or content_hash(item)
        item.simhash = content_simhash(item) if item.simhash is None else item.simhash
        url, article_id, digest = item.canonical_url, item.article_id, item.content_hash
        earlier = self._urls.get(url) or (self._ids.get(article_id) if article_id else None)
        if earlier == digest:
            self._stat("duplicate_in_run")
            raise DropItem(f"duplicate of {url} earlier in this run", log_level="DEBUG")
        known, same_content = self._lookup(url, article_id, digest)
        if earlier is not None or known:
            self._stat("known")
        else:
            alias_of = self._hashes.get(digest) or same_content
            if alias_of and alias_of != url:
                item.alias_of = alias_of
                self._stat("alias")
            else:
                item.near_duplicates = self._near(item.simhash, url)
                self._stat("near_duplicate" if item.near_duplicates else "new")
        self._remember(item)
        return item

    def _remember(self, item: ArticleItem) -> None:
        assert item.content_hash is not None and item.simhash is not None
        self._urls[item.canonical_url] = item.content_hash
        if item.article_id:
            self._ids[item.article_id] = item.content_hash
        if item.alias_of is None:
            self._hashes.setdefault(item.content_hash, item.canonical_url)
            self._simhashes[item.canonical_url] = item.simhash

    def batch_stored(self, items: list[ArticleItem]) -> None:
        """The store wrote these items: the database answers for them from now on."""
        for item in items:
            if self._urls.get(item.canonical_url) == item.content_hash:
                del self._urls[item.canonical_url]
                self._simhashes.pop(item.canonical_url, None)
            if item.article_id and self._ids.get(item.article_id) == item.content_hash:
                del self._ids[item.article_id]
            if item.content_hash and self._hashes.get(item.content_hash) == item.canonical_url:
                del self._hashes[item.content_hash]

    def _lookup(self, url: str, article_id: str | None, digest: str) -> tuple[bool, str | None]:
        """One query: is the article stored (by URL or id), and which stored article has the
        same content (its canonical URL)?"""
        assert self.database is not None
        known, same_content = False, None
        with self.database.engine.connect() as connection:
            rows = connection.execute(_LOOKUP, {"url": url, "digest": digest, "article_id": article_id})
            for stored_url, stored_id, stored_hash in rows:
                if stored_url == url or (article_id and stored_id == article_id):
                    known = True
                elif stored_hash == digest and same_content is None:
                    same_content = stored_url
        return known, same_content

    def _near(self, value: int, url: str) -> list[NearDuplicateRef]:
        assert self.database is not None
        candidates = dict(self._simhashes)  # at most a batch: compared one by one
        b0, b1, b2, b3 = bands(value)
        with self.database.engine.connect() as connection:
            rows = connection.execute(_SAME_BAND, {"b0": b0, "b1": b1, "b2": b2, "b3": b3})
            for other_url, other in rows:
                candidates.setdefault(other_url, to_unsigned(other))
        found: list[NearDuplicateRef] = []
        for other_url, other in candidates.items():
            score = similarity(value, other)
            if other_url != url and score >= self.threshold:
                found.append({"url": other_url, "similarity": round(score, 4)})
        return sorted(found, key=lambda ref: (-ref["similarity"], ref["url"]))
