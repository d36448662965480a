"""The article item: the golden schema (``fixtures/khabarayn/expected/*.json``) plus crawl metadata.

Items are dataclasses used through :class:`itemadapter.ItemAdapter`; nested values are plain
dicts so that feeds and the database get JSON-ready values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict


class Section(TypedDict):
    heading: str | None
    paragraphs: list[str]


class Image(TypedDict):
    url: str
    alt: str | None
    caption: str | None
    credit: str | None


class Link(TypedDict):
    title: str
    url: str


class RelatedCard(TypedDict):
    title: str
    url: str
    summary: str | None
    category: str | None


@dataclass
class ArticleItem:
    url: str
    canonical_url: str
    article_id: str | None
    title: str | None
    summary: str | None = None
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    published_at: str | None = None
    modified_at: str | None = None
    authors: list[str] = field(default_factory=list)
    language: str = "ar"
    body: str = ""
    sections: list[Section] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    see_also: list[Link] = field(default_factory=list)
    related: list[RelatedCard] = field(default_factory=list)
    # crawl metadata: not part of golden comparisons
    fetched_url: str | None = None
    status: int | None = None
    fetched_at: str | None = None


#: The fields compared with golden files; everything else is crawl metadata.
GOLDEN_FIELDS: tuple[str, ...] = (
    "url",
    "canonical_url",
    "article_id",
    "title",
    "summary",
    "category",
    "tags",
    "published_at",
    "modified_at",
    "authors",
    "language",
    "body",
    "sections",
    "images",
    "see_also",
    "related",
)
CRAWL_FIELDS: tuple[str, ...] = ("fetched_url", "status", "fetched_at")
