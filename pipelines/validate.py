"""ValidatePipeline: drop items that must not become rows, with a precise reason.

Required: what every row needs — canonical URL (absolute http(s)), title, non-empty body,
language (an ISO 639 code); list fields must be lists of the right shape. A real article
keeps its row without the rest: without the site's own id it is known by its canonical URL,
and without a publication time it is stored with ``published_at`` null and the date text it
showed kept in ``published_raw`` (the coverage alarm watches that share). A publication time
that is given must be ISO 8601 with offset. A failing item raises :class:`InvalidItem`, counted as
``khabar/validate/dropped/<reason>``, logged with its URL, and recorded in ``rejected_pages``
by the storage pipeline.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from khabar_crawler.items import ArticleItem
from khabar_crawler.text.dates import parse_datetime

_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_SHAPES: dict[str, tuple[str, ...]] = {
    "sections": ("heading", "paragraphs"),
    "images": ("url", "alt", "caption", "credit"),
    "see_also": ("title", "url"),
    "related": ("title", "url", "summary", "category"),
}


class InvalidItem(DropItem):
    """An item that fails validation; ``reason`` is a short key such as ``empty_body``."""

    def __init__(self, reason: str, message: str, url: str | None) -> None:
        super().__init__(f"{reason}: {message} ({url})", log_level="WARNING")
        self.reason = reason
        self.url = url


def problems(item: ArticleItem) -> list[tuple[str, str]]:
    """``(reason, message)`` for each rule the item breaks, in a fixed order."""
    found: list[tuple[str, str]] = []
    url = item.canonical_url
    parts = urlsplit(url or "")
    if not url:
        found.append(("missing_canonical_url", "no canonical URL"))
    elif parts.scheme not in ("http", "https") or not parts.netloc:
        found.append(("invalid_canonical_url", f"not an absolute http(s) URL: {url!r}"))
    if not item.title or not item.title.strip():
        found.append(("missing_title", "no title"))
    if not isinstance(item.body, str) or not item.body.strip():
        found.append(("empty_body", "the article body is empty"))
    if not item.language:
        found.append(("missing_language", "no language"))
    elif not _LANGUAGE.match(item.language):
        found.append(("invalid_language", f"not an ISO 639 code: {item.language!r}"))
    if item.published_at:
        parsed = parse_datetime(item.published_at)
        if parsed is None or "T" not in item.published_at or parsed.utcoffset() is None:
            found.append(("invalid_published_at", f"not ISO 8601 with offset: {item.published_at!r}"))
    for name in ("tags", "authors"):
        value = getattr(item, name)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            found.append((f"invalid_{name}", f"{name} must be a list of strings"))
    for name, keys in _SHAPES.items():
        value = getattr(item, name)
        if not isinstance(value, list) or not all(isinstance(v, dict) and set(v) == set(keys) for v in value):
            found.append((f"invalid_{name}", f"{name} entries must have exactly {', '.join(keys)}"))
    return found


class ValidatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.logger = logging.getLogger(__name__)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        found = problems(item)
        if found:
            reason = found[0][0]
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(f"khabar/validate/dropped/{reason}")
            detail = "; ".join(f"{r}: {m}" for r, m in found)
            raise InvalidItem(reason, detail, item.canonical_url or item.fetched_url)
        return item
