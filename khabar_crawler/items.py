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


class NearDuplicateRef(TypedDict):
    url: str
    similarity: float


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
    redirect_urls: list[str] = field(default_factory=list)
    status: int | None = None
    fetched_at: str | None = None
    #: dates as the page showed them when they were not machine-readable (clean parses them)
    published_at_raw: str | None = None
    modified_at_raw: str | None = None
    #: which extraction layer filled each field: ``{"body": "site", "published_at": "jsonld"}``;
    #: layers are ``site`` (the khabarayn profile), ``jsonld``, ``microdata``, ``meta``,
    #: ``generic`` (the generic article reading) and ``discovery`` (what a sitemap or feed said)
    field_layers: dict[str, str] = field(default_factory=dict)
    # set by the pipelines (clean, dedupe)
    title_search: str | None = None
    summary_search: str | None = None
    body_search: str | None = None
    search_profile: str | None = None
    content_hash: str | None = None
    simhash: int | None = None
    alias_of: str | None = None
    near_duplicates: list[NearDuplicateRef] = field(default_factory=list)


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
CRAWL_FIELDS: tuple[str, ...] = ("fetched_url", "redirect_urls", "status", "fetched_at", "field_layers")
