"""DedupePipeline: the fingerprints by which the store tells one article from another.

For each article it notes (in ``item.pipeline``, never exported) its search columns (profile
:data:`~khabar_crawler.text.normalize.SEARCH_PROFILE`), its content hash (SHA-256 of the
normalised title, summary and body: the ``ar-v1`` :func:`~khabar_crawler.text.normalize.search_form`,
so that stemming never makes a stored article look changed) and its SimHash (of the body's
``ar-v1`` words): derived here once, for the store.

It reads no database and keeps no memory of the items it passed: what an article means for
the stored ones and for the other articles of its batch (the same URL or id, the same
content under another URL, a near duplicate) is decided by the store inside the batch's
transaction, with one query a batch (:mod:`khabar_crawler.db.writes`), and counted there as
``khabar/dedupe/<verdict>``: ``new``, ``near_duplicate`` (SimHash similarity reaching
``KHABAR_NEAR_DUPLICATE_SIMILARITY``: flagged, never merged), ``known`` (an article already
stored, or earlier in the run: updated or unchanged), ``alias`` (the same content under
another URL: one more URL of that article) and ``duplicate_in_run`` (the same article with
the same content, still waiting in the batch: dropped).
"""

from __future__ import annotations

import hashlib
from typing import Any

from scrapy.crawler import Crawler

from khabar_crawler.db.values import search_columns
from khabar_crawler.items import ArticleItem
from khabar_crawler.text.normalize import search_form, words
from khabar_crawler.text.simhash import simhash


def fingerprint(item: ArticleItem) -> None:
    """Note the article's search forms, content hash and SimHash in ``item.pipeline``."""
    notes = item.pipeline
    notes.search = search_columns(item.title, item.summary, item.body)
    forms = (search_form(item.title), search_form(item.summary), search_form(item.body))
    notes.content_hash = hashlib.sha256("\x1f".join(forms).encode("utf-8")).hexdigest()
    notes.simhash = simhash(words(forms[2]))


class DedupePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem):
            fingerprint(item)
        return item
