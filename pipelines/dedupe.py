"""DedupePipeline: fingerprint each article and read what the database already holds.

For each article it notes (in ``item.pipeline``, never exported):

- its search forms (profile :data:`~khabar_crawler.text.normalize.SEARCH_PROFILE`), its
  content hash (SHA-256 of the normalised title, summary and body) and its SimHash: derived
  here once, written by the store;
- when it is neither stored already (same canonical URL or article id) nor a copy of a stored
  article (same content hash), the stored articles whose SimHash similarity reaches
  ``KHABAR_NEAR_DUPLICATE_SIMILARITY``: the store flags them, never merges them.

It decides against stored rows only, one query per article (two for a new one), and keeps no
memory of the items it passed. What the articles of one batch mean for each other, and so the
final verdict of each article, is decided by the store inside the batch's transaction (see
:mod:`khabar_crawler.db.writes`), which counts it as ``khabar/dedupe/<verdict>``: ``new``,
``near_duplicate``, ``known`` (an article already stored, or earlier in the run: updated or
unchanged), ``alias`` (the same content under another URL: one more URL of that article) and
``duplicate_in_run`` (the same article with the same content, still waiting in the batch:
dropped).
"""

from __future__ import annotations

import hashlib
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from sqlalchemy import bindparam, or_, select

from khabar_crawler.db.database import Database, get_database
from khabar_crawler.db.models import Article
from khabar_crawler.db.values import search_columns
from khabar_crawler.items import ArticleItem, NearDuplicateRef
from khabar_crawler.text.normalize import words
from khabar_crawler.text.simhash import bands, simhash, similarity, to_unsigned


def fingerprint(item: ArticleItem) -> None:
    """Note the article's search forms, content hash and SimHash in ``item.pipeline``."""
    notes = item.pipeline
    notes.search = search_columns(item.title, item.summary, item.body)
    forms = (notes.search["title_search"], notes.search["summary_search"], notes.search["body_search"])
    notes.content_hash = hashlib.sha256("\x1f".join(forms).encode("utf-8")).hexdigest()
    notes.simhash = simhash(words(notes.search["body_search"]))


#: the statements of every lookup, built once (parameters bound per item); a row found means
#: the article is stored (same URL or id) or its content is (same hash)
_STORED_OR_COPY = (
    select(Article.id)
    .where(
        or_(
            Article.canonical_url == bindparam("url"),
            Article.content_hash == bindparam("digest"),
            Article.article_id == bindparam("article_id"),  # = NULL matches nothing
        )
    )
    .limit(1)
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

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler, crawler.settings.getfloat("KHABAR_NEAR_DUPLICATE_SIMILARITY", 0.9))

    def open_spider(self, spider: Spider | None = None) -> None:
        self.database = get_database(self.crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        fingerprint(item)
        notes = item.pipeline
        assert notes.content_hash is not None and notes.simhash is not None
        if not self._stored_or_copy(item.canonical_url, item.article_id, notes.content_hash):
            notes.near_duplicates = self._near(notes.simhash, item.canonical_url)
        return item

    def _stored_or_copy(self, url: str, article_id: str | None, digest: str) -> bool:
        """One query: is the article stored (by URL or id), or is its content stored under
        another URL?"""
        assert self.database is not None
        with self.database.engine.connect() as connection:
            found = connection.scalar(
                _STORED_OR_COPY, {"url": url, "digest": digest, "article_id": article_id}
            )
        return found is not None

    def _near(self, value: int, url: str) -> list[NearDuplicateRef]:
        """Stored articles that share a SimHash band with ``value`` and reach the threshold."""
        assert self.database is not None
        b0, b1, b2, b3 = bands(value)
        with self.database.engine.connect() as connection:
            rows = list(connection.execute(_SAME_BAND, {"b0": b0, "b1": b1, "b2": b2, "b3": b3}))
        found: list[NearDuplicateRef] = []
        for other_url, other in rows:
            score = similarity(value, to_unsigned(other))
            if other_url != url and score >= self.threshold:
                found.append({"url": other_url, "similarity": round(score, 4)})
        return sorted(found, key=lambda ref: (-ref["similarity"], ref["url"]))
