"""Assemble an :class:`ArticleItem` from a page, field by field, layer by layer.

Each field takes the first non-empty value of: JSON-LD, then OpenGraph / ``article:*`` metas,
then the visible markup, so a page stripped of any one layer still gives a complete item.
Non-article pages (home, listings, feeds, error pages) give ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from khabar_crawler.extract import jsonld, markup
from khabar_crawler.extract import meta as metas
from khabar_crawler.extract.dates import iso_datetime
from khabar_crawler.extract.page import Page
from khabar_crawler.extract.text import split_hashtags, strip_signoff, strip_site_suffix, unique
from khabar_crawler.items import ArticleItem, Image
from khabar_crawler.site import Site

T = TypeVar("T")
_ID_IN_PATH = re.compile(r"/(\d{3,})(?:/|$|-)")
_ID_IN_QUERY = re.compile(r"(?:^|[?&])p=(\d+)")


def _first(*candidates: Callable[[], T | None]) -> T | None:
    """The first candidate (tried lazily, in order) that gives a non-empty value."""
    for candidate in candidates:
        value = candidate()
        if value:
            return value
    return None


def is_article_page(page: Page) -> bool:
    """An article page declares itself (JSON-LD Article type, ``og:type=article``,
    ``article:published_time``) or, without metadata, shows an article-body container."""
    if jsonld.article_node(page.jsonld_nodes) is not None:
        return True
    og_type = (metas.first(page.metas, "og:type") or "").lower()
    if og_type == "article" or metas.first(page.metas, "article:published_time"):
        return True
    if og_type and og_type != "article":
        return False
    return markup.content_root(page) is not None and markup.title(page) is not None


def extract_article(html: str, url: str, site: Site | None = None) -> ArticleItem | None:
    """Extract the article of ``html`` fetched from ``url``; ``None`` for non-article pages."""
    page = Page(html, url, site)
    if not is_article_page(page):
        return None
    return build_item(page)


def build_item(page: Page) -> ArticleItem:
    node = jsonld.article_node(page.jsonld_nodes)
    m = page.metas
    site = page.site
    name = site.name_pattern()

    canonical = canonical_url(page, node)
    raw_summary = _first(
        lambda: jsonld.text(node, "description"),
        lambda: metas.first(m, "og:description", "description", "twitter:description"),
        lambda: markup.lede(page),
    )
    summary, hashtags = split_hashtags(raw_summary) if raw_summary else (None, [])
    summary = strip_signoff(summary, name) if summary else None

    content_el = markup.content_root(page)
    content = markup.content(page, content_el) if content_el is not None else markup.Content()
    images = _merge_images(markup.hero_images(page, content_el), content.images, _meta_images(page, node))
    body = "\n\n".join(
        text
        for section in content.sections
        for text in ([section["heading"]] if section["heading"] else []) + section["paragraphs"]
    )

    published_at = _date(
        lambda: jsonld.text(node, "datePublished"),
        lambda: metas.first(m, "article:published_time", "og:published_time", "pubdate"),
        lambda: markup.published(page),
    )
    modified_at = _date(
        lambda: jsonld.text(node, "dateModified"),
        lambda: metas.first(m, "article:modified_time", "og:updated_time"),
        lambda: markup.modified(page),
    )
    return ArticleItem(
        url=canonical,
        canonical_url=canonical,
        article_id=article_id(page, node, canonical),
        title=_first(
            lambda: jsonld.text(node, "headline") or jsonld.text(node, "name"),
            lambda: _strip_suffix(metas.first(m, "og:title", "twitter:title"), name),
            lambda: markup.title(page),
            lambda: _strip_suffix(markup.document_title(page), name),
        ),
        summary=summary or None,
        category=_first(
            lambda: jsonld.text(node, "articleSection"),
            lambda: _breadcrumb_category(page),
            lambda: metas.first(m, "article:section"),
            lambda: markup.category(page),
        ),
        tags=unique(
            hashtags
            or _first(
                lambda: jsonld.keywords(node),
                lambda: metas.all_values(m, "article:tag"),
                lambda: markup.tags(page),
            )
            or []
        ),
        published_at=published_at,
        modified_at=modified_at,
        published_at_raw=None if published_at else markup.published_text(page),
        modified_at_raw=None if modified_at else markup.modified_text(page),
        authors=unique(
            _first(
                lambda: jsonld.names(node.get("author")) if node else [],
                lambda: [
                    a
                    for a in metas.all_values(m, "author") + metas.all_values(m, "article:author")
                    if not a.startswith(("http://", "https://"))
                ],
                lambda: markup.authors(page),
                lambda: jsonld.names(node.get("publisher")) if node else [],
                lambda: [metas.first(m, "og:site_name") or site.name],
            )
            or []
        ),
        language=_language(page, node),
        body=body,
        sections=content.sections,
        images=images,
        see_also=content.see_also,
        related=markup.related(page),
    )


def _strip_suffix(title: str | None, name_pattern: str) -> str | None:
    return strip_site_suffix(title, name_pattern) or None if title else None


def _date(*candidates: Callable[[], str | None]) -> str | None:
    for candidate in candidates:
        value = iso_datetime(candidate())
        if value:
            return value
    return None


def canonical_url(page: Page, node: dict[str, Any] | None) -> str:
    """The page's own on-site canonical URL: ``rel=canonical``, ``og:url``, JSON-LD, or the
    fetched URL; AMP and tracking variants map to the article."""
    candidates: Iterable[str | None] = (
        markup.canonical(page),
        metas.first(page.metas, "og:url"),
        *(jsonld.urls(node.get("mainEntityOfPage")) if node else []),
        jsonld.text(node, "url"),
    )
    for href in candidates:
        url = page.site_url(href)
        if url:
            return url
    return page.site.to_site_url(page.url)


def article_id(page: Page, node: dict[str, Any] | None, canonical: str) -> str | None:
    """The site's own post id: JSON-LD identifier, shortlink/theme markup, then the URL."""
    identifier = jsonld.text(node, "identifier") if node else None
    if identifier and identifier.isdigit():
        return identifier
    if node:
        for value in (node.get("@id"), *jsonld.urls(node.get("mainEntityOfPage"))):
            match = _ID_IN_QUERY.search(urlsplit(value).query) if isinstance(value, str) else None
            if match:
                return match.group(1)
    from_markup = markup.article_id(page)
    if from_markup:
        return from_markup
    match = _ID_IN_PATH.search(urlsplit(canonical).path)
    return match.group(1) if match else None


def _breadcrumb_category(page: Page) -> str | None:
    """The crumb before the article's own (the last crumb without a link is the title)."""
    names = [n for n in jsonld.breadcrumb_names(page.jsonld_nodes) if n]
    if len(names) >= 3:
        return names[-2]
    if len(names) == 2:
        return names[-1]
    return None


def _language(page: Page, node: dict[str, Any] | None) -> str:
    value = _first(
        lambda: markup.language(page),
        lambda: jsonld.text(node, "inLanguage"),
        lambda: metas.first(page.metas, "og:locale"),
    )
    primary = re.split(r"[-_]", value.strip())[0].lower() if value else ""
    return primary or "ar"


def _meta_images(page: Page, node: dict[str, Any] | None) -> list[Image]:
    """The lead image from metadata, used only when the markup shows no image at all."""
    urls = (jsonld.urls(node.get("image")) if node else []) or metas.all_values(page.metas, "og:image")
    alt = metas.first(page.metas, "og:image:alt")
    images: list[Image] = []
    for url in urls[:1]:
        site_url = page.site_url(url) or page.absolute(url)
        if site_url:
            images.append({"url": site_url, "alt": alt, "caption": None, "credit": None})
    return images


def _merge_images(hero: list[Image], inline: list[Image], from_meta: list[Image]) -> list[Image]:
    images = hero + inline or from_meta
    seen: set[str] = set()
    out = []
    for image in images:
        if image["url"] not in seen:
            seen.add(image["url"])
            out.append(image)
    return out
