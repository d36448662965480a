"""The items a crawl yields: :class:`ArticleItem` (an article) and :class:`RejectedPage` (a
fetched page that did not become one).

Items are dataclasses used through :class:`itemadapter.ItemAdapter`; nested values are plain
dicts so that feeds and the database get JSON-ready values. An article's fields are the golden
schema (:data:`GOLDEN_FIELDS`, compared with ``fixtures/khabarayn/expected/*.json``) and the
crawl metadata (:data:`CRAWL_FIELDS`); feeds carry exactly these (``FEED_EXPORT_FIELDS``).
What the pipelines work out on the way (search forms, content fingerprints, near duplicates)
rides along in :attr:`ArticleItem.pipeline`, which is no field and is never exported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict


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
class PipelineNotes:
    """What the pipelines work out about an article and hand on to the store; not exported."""

    #: the ``articles`` search columns (``title_search``, ``summary_search``, ``body_search``,
    #: ``search_profile``): the normalised forms of the display text (set by dedupe)
    search: dict[str, str] = field(default_factory=dict)
    #: SHA-256 of the normalised title, summary and body (set by dedupe)
    content_hash: str | None = None
    #: unsigned 64-bit SimHash of the normalised body (set by dedupe)
    simhash: int | None = None
    #: the fetched page's ``page_states`` row, written in the article's transaction (set by
    #: :mod:`khabar_crawler.frontier.page_outcomes` in live crawls)
    page_state: dict[str, Any] | None = None


@dataclass
class ArticleItem:
    """One news article, as published, with how it was fetched."""

    # --- the golden fields ---------------------------------------------------------------
    #: the article's URL: its canonical URL, on the site's public origin (``KHABARAYN_SITE_URL``)
    url: str
    #: the canonical URL the page declares (``<link rel=canonical>``, ``og:url``, JSON-LD),
    #: canonicalised (:mod:`khabar_crawler.urls`): the article's identity when it has no id
    canonical_url: str
    #: the site's own id of the article (``/news/<id>/``), None when the page shows none
    article_id: str | None
    #: the headline, as displayed
    title: str | None
    #: the standfirst or description, without the publisher's sign-off
    summary: str | None = None
    #: the section the site files the article under (its breadcrumb or category link)
    category: str | None = None
    #: the article's tags (hashtags without ``#``, underscores as spaces), in page order
    tags: list[str] = field(default_factory=list)
    #: publication time, ISO 8601 with offset (``2024-07-18T13:40:00+03:00``)
    published_at: str | None = None
    #: last modification time, ISO 8601 with offset
    modified_at: str | None = None
    #: the bylines; the publisher's name when the site's own page names nobody
    authors: list[str] = field(default_factory=list)
    #: ISO 639 code of the article's language (``ar``)
    language: str = "ar"
    #: the text: the sections' headings and paragraphs in order, separated by a blank line
    body: str = ""
    #: the text by sub-heading: ``{"heading": str | None, "paragraphs": [str, ...]}``
    sections: list[Section] = field(default_factory=list)
    #: the article's own pictures: ``{"url", "alt", "caption", "credit"}``, in page order
    images: list[Image] = field(default_factory=list)
    #: inline "read also" links inside the text: ``{"title", "url"}``
    see_also: list[Link] = field(default_factory=list)
    #: related-news cards under the article: ``{"title", "url", "summary", "category"}``
    related: list[RelatedCard] = field(default_factory=list)
    # --- the crawl fields ----------------------------------------------------------------
    #: the URL the page was fetched from (on the fetch origin: a mirror, the replay server)
    fetched_url: str | None = None
    #: the URLs redirected from on the way to ``fetched_url``, in order
    redirect_urls: list[str] = field(default_factory=list)
    #: the HTTP status of the response
    status: int | None = None
    #: when the page was fetched, ISO 8601 UTC
    fetched_at: str | None = None
    #: the publication date as the page showed it; when the page gave no machine-readable
    #: date, clean reads ``published_at`` from it (stored as ``published_raw``)
    published_at_raw: str | None = None
    #: the modification date as the page showed it (see ``published_at_raw``)
    modified_at_raw: str | None = None
    #: which extraction layer filled each field: ``{"body": "site", "published_at": "jsonld"}``;
    #: layers are ``site`` (the khabarayn profile), ``jsonld``, ``microdata``, ``meta``,
    #: ``generic`` (the generic article reading) and ``discovery`` (what a sitemap or feed said)
    field_layers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        #: the pipelines' notes on the article: an attribute, not a field, so never exported
        self.pipeline = PipelineNotes()


@dataclass
class RejectedPage:
    """A fetched page that did not become an article: a bot challenge or an empty shell, a
    failed extraction, a long text that is no article (yielded by the spider), or an article
    that failed validation (returned by the validate pipeline). The store records it in
    ``rejected_pages`` and keeps it out of feeds."""

    #: the page's URL (the fetched URL, or the article's canonical URL)
    url: str
    #: a short key: ``bot_challenge``, ``empty_shell``, ``extraction_error``, ``not_article``,
    #: or a validation rule such as ``empty_body``
    reason: str
    #: what went wrong, in words (the exception, the rules an article broke)
    detail: str | None = None

    def __post_init__(self) -> None:
        #: the fetched page's ``page_states`` row, written with the rejection (live crawls);
        #: an attribute, not a field
        self.page_state: dict[str, Any] | None = None


#: The fields compared with golden files.
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
#: The crawl metadata of an article: how and when it was fetched, how it was read.
CRAWL_FIELDS: tuple[str, ...] = (
    "fetched_url",
    "redirect_urls",
    "status",
    "fetched_at",
    "published_at_raw",
    "modified_at_raw",
    "field_layers",
)
