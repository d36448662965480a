"""The rows of an article: the column values an :class:`~khabar_crawler.items.ArticleItem`
gives the ``articles``, ``article_versions``, ``images`` and ``links`` tables, the same for an
insert and an update (see :mod:`khabar_crawler.db.writes`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from khabar_crawler.items import ArticleItem
from khabar_crawler.text.dates import parse_datetime
from khabar_crawler.text.simhash import bands, to_signed


def when(value: str | None) -> datetime | None:
    """An ISO 8601 text as a datetime (None for none)."""
    return parse_datetime(value) if value else None


def article_row(item: ArticleItem, run_id: int | None, now: datetime) -> dict[str, Any]:
    """The ``articles`` columns an item sets (all but the version and first-seen ones)."""
    notes = item.pipeline
    assert notes.content_hash is not None and notes.simhash is not None and notes.search
    b0, b1, b2, b3 = bands(notes.simhash)
    return {
        "canonical_url": item.canonical_url,
        "article_id": item.article_id,
        "title": item.title or "",
        "summary": item.summary,
        "body": item.body,
        **notes.search,
        "category": item.category,
        "language": item.language,
        "authors": list(item.authors),
        "sections": [dict(s) for s in item.sections],
        "published_at": when(item.published_at),
        "modified_at": when(item.modified_at),
        "published_raw": (item.published_at_raw or "")[:100] or None,
        "modified_raw": (item.modified_at_raw or "")[:100] or None,
        "content_hash": notes.content_hash,
        "simhash": to_signed(notes.simhash),
        "simhash_band0": b0,
        "simhash_band1": b1,
        "simhash_band2": b2,
        "simhash_band3": b3,
        "last_seen_at": now,
        "updated_at": now,
        "last_run_id": run_id,
        # crawl metadata (not in the content hash); NULL when the item recorded none
        "field_layers": dict(item.field_layers) or None,
    }


def version_row(
    item: ArticleItem, article: dict[str, Any], run_id: int | None, now: datetime
) -> dict[str, Any]:
    """An ``article_versions`` row (without article and number) for the article's values."""
    return {
        "content_hash": article["content_hash"],
        "title": article["title"],
        "summary": article["summary"],
        "body": article["body"],
        "sections": article["sections"],
        "modified_at": article["modified_at"],
        "fetched_at": when(item.fetched_at),
        "run_id": run_id,
        "recorded_at": now,
    }


def image_rows(item: ArticleItem) -> list[dict[str, Any]]:
    return [{"position": i, **image} for i, image in enumerate(item.images)]


def link_rows(item: ArticleItem) -> list[dict[str, Any]]:
    links = [
        {"kind": "see_also", "position": i, "summary": None, "category": None, **link}
        for i, link in enumerate(item.see_also)
    ]
    return links + [{"kind": "related", "position": i, **card} for i, card in enumerate(item.related)]
