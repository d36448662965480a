"""ValidatePipeline: an article that must not become a row becomes a :class:`RejectedPage`,
with a precise reason.

Required: what every row needs — canonical URL (absolute http(s)), title, non-empty body,
language (an ISO 639 code); list fields must be lists of the right shape. A real article
keeps its row without the rest: without the site's own id it is known by its canonical URL,
and without a publication time it is stored with ``published_at`` null and the date text it
showed kept in ``published_raw`` (the coverage alarm watches that share). A publication time
that is given must be ISO 8601 with offset. A failing article is counted as
``khabar/validate/dropped/<reason>`` (its first broken rule), logged as a warning with its URL
and every rule it broke, and handed on as a :class:`RejectedPage`, which the store records in
``rejected_pages``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler

from khabar_crawler.items import ArticleItem, RejectedPage
from khabar_crawler.text.dates import parse_datetime

logger = logging.getLogger(__name__)

_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_SHAPES: dict[str, tuple[str, ...]] = {
    "sections": ("heading", "paragraphs"),
    "images": ("url", "alt", "caption", "credit"),
    "see_also": ("title", "url"),
    "related": ("title", "url", "summary", "category"),
}

Problem = tuple[str, str]


def _canonical_url(item: ArticleItem) -> list[Problem]:
    url = item.canonical_url
    if not url:
        return [("missing_canonical_url", "no canonical URL")]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return [("invalid_canonical_url", f"not an absolute http(s) URL: {url!r}")]
    return []


def _title_and_body(item: ArticleItem) -> list[Problem]:
    found = []
    if not item.title or not item.title.strip():
        found.append(("missing_title", "no title"))
    if not isinstance(item.body, str) or not item.body.strip():
        found.append(("empty_body", "the article body is empty"))
    return found


def _language(item: ArticleItem) -> list[Problem]:
    if not item.language:
        return [("missing_language", "no language")]
    if not _LANGUAGE.match(item.language):
        return [("invalid_language", f"not an ISO 639 code: {item.language!r}")]
    return []


def _published_at(item: ArticleItem) -> list[Problem]:
    value = item.published_at
    if not value:
        return []
    parsed = parse_datetime(value)
    if parsed is None or "T" not in value or parsed.utcoffset() is None:
        return [("invalid_published_at", f"not ISO 8601 with offset: {value!r}")]
    return []


def _lists(item: ArticleItem) -> list[Problem]:
    found = []
    for name in ("tags", "authors"):
        value = getattr(item, name)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            found.append((f"invalid_{name}", f"{name} must be a list of strings"))
    for name, keys in _SHAPES.items():
        value = getattr(item, name)
        if not isinstance(value, list) or not all(isinstance(v, dict) and set(v) == set(keys) for v in value):
            found.append((f"invalid_{name}", f"{name} entries must have exactly {', '.join(keys)}"))
    return found


#: the rules, in the order their problems are reported
RULES: tuple[Callable[[ArticleItem], list[Problem]], ...] = (
    _canonical_url,
    _title_and_body,
    _language,
    _published_at,
    _lists,
)


def problems(item: ArticleItem) -> list[Problem]:
    """``(reason, message)`` for each rule the item breaks, in a fixed order."""
    return [problem for rule in RULES for problem in rule(item)]


class ValidatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        found = problems(item)
        if not found:
            return item
        reason = found[0][0]
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"khabar/validate/dropped/{reason}")
        detail = "; ".join(f"{r}: {m}" for r, m in found)
        url = item.canonical_url or item.fetched_url or item.url
        logger.warning("Dropped: %s (%s)", detail, url)
        rejected = RejectedPage(url=url, reason=reason, detail=detail)
        rejected.page_state = item.pipeline.page_state
        return rejected
