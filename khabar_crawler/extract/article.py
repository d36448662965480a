"""Assemble an :class:`ArticleItem` from a page, field by field, layer by layer.

Each field takes the first non-empty value of its layers, in order: JSON-LD, microdata,
OpenGraph / ``article:*`` metas, the site profile's markup rules, then the generic reading
of the page (visible bylines, dates and text). The body comes from the site profile's
container unless the generic reading finds much more text (:mod:`.body`). Which layer
filled each field is recorded in ``field_layers``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from khabar_crawler.extract import jsonld, markup, visible
from khabar_crawler.extract import meta as metas
from khabar_crawler.extract.body import article_body
from khabar_crawler.extract.classify import is_article_page
from khabar_crawler.extract.content import Content, body_text
from khabar_crawler.extract.dom import Element
from khabar_crawler.extract.identity import article_id_candidates
from khabar_crawler.extract.images import hero_images
from khabar_crawler.extract.layers import Candidate, pick
from khabar_crawler.extract.page import Page
from khabar_crawler.extract.related import related as related_cards
from khabar_crawler.extract.text import split_hashtags, strip_signoff, strip_site_suffix, unique
from khabar_crawler.items import ArticleItem, Image
from khabar_crawler.site import Site, name_pattern_of
from khabar_crawler.text.dates import iso_datetime

#: metas that carry a publication or modification time, by the CMSs that write them
PUBLISHED_METAS = (
    "article:published_time",
    "og:published_time",
    "pubdate",
    "publishdate",
    "publish-date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "datepublished",
)
MODIFIED_METAS = ("article:modified_time", "og:updated_time", "dc.date.modified", "dcterms.modified")


def extract_article(html_text: str, url: str, site: Site | None = None) -> ArticleItem | None:
    """Extract the article of ``html_text`` fetched from ``url``; ``None`` for non-article pages."""
    page = Page(html_text, url, site)
    if not is_article_page(page):
        return None
    return build_item(page)


def build_item(page: Page) -> ArticleItem:
    node = jsonld.article_node(page.jsonld_nodes)
    micro = page.microdata
    m = page.metas
    names = _site_names(page, node)
    layers: dict[str, str] = {}

    canonical = canonical_url(page, node)
    body = article_body(page)
    raw_summary = pick(
        layers,
        "summary",
        ("jsonld", lambda: jsonld.text(node, "description")),
        ("microdata", lambda: micro.first("description")),
        ("meta", lambda: metas.first(m, "og:description", "description", "twitter:description")),
        ("site", lambda: markup.lede(page, body.roots)),
    )
    summary, hashtags = split_hashtags(raw_summary) if raw_summary else (None, [])
    summary = strip_signoff(summary, names) if summary else None

    content = body.content
    if body.layer != "none":
        layers["body"] = body.layer
    first_root = body.roots[0] if body.roots else None
    images = _merge_images(hero_images(page, first_root), content.images, _meta_images(page, node))

    published_sources: tuple[Candidate[str], ...] = (
        ("jsonld", lambda: jsonld.text(node, "datePublished")),
        ("microdata", lambda: micro.first("datePublished")),
        ("meta", lambda: metas.first(m, *PUBLISHED_METAS)),
        ("site", lambda: markup.published(page)),
        ("generic", lambda: visible.time_datetime(page)),
    )
    published_at = _date(layers, "published_at", *published_sources)
    modified_at = _date(
        layers,
        "modified_at",
        ("jsonld", lambda: jsonld.text(node, "dateModified")),
        ("microdata", lambda: micro.first("dateModified")),
        ("meta", lambda: metas.first(m, *MODIFIED_METAS)),
        ("site", lambda: markup.modified(page)),
    )
    # no machine-readable date: the first date text any layer gives (Arabic text in a date
    # meta, a visible date), parsed by the clean pipeline against the fetch time
    published_raw = None
    if not published_at:
        published_raw = pick(
            layers,
            "published_at",
            *published_sources,
            ("site", lambda: markup.published_text(page)),
            ("generic", lambda: visible.date_text(page)),
        )
    title = pick(
        layers,
        "title",
        ("jsonld", lambda: jsonld.text(node, "headline") or jsonld.text(node, "name")),
        ("microdata", lambda: micro.first("headline")),
        ("meta", lambda: metas.first(m, "og:title", "twitter:title")),
        ("site", lambda: markup.title(page)),
        ("generic", lambda: markup.document_title(page)),
    )
    return ArticleItem(
        url=canonical,
        canonical_url=canonical,
        article_id=pick(layers, "article_id", *article_id_candidates(page, node, canonical)),
        title=strip_site_suffix(title, names) or title if title else None,
        summary=summary or None,
        category=pick(
            layers,
            "category",
            ("jsonld", lambda: jsonld.text(node, "articleSection")),
            ("jsonld", lambda: _breadcrumb_category(page)),
            ("microdata", lambda: micro.first("articleSection")),
            ("meta", lambda: metas.first(m, "article:section")),
            ("site", lambda: markup.category(page)),
        ),
        tags=unique(
            hashtags
            or pick(
                layers,
                "tags",
                ("jsonld", lambda: jsonld.keywords(node)),
                ("microdata", lambda: _split_keywords(micro.all("keywords"))),
                ("meta", lambda: metas.all_values(m, "article:tag")),
                ("site", lambda: markup.tags(page)),
            )
            or []
        ),
        published_at=published_at,
        modified_at=modified_at,
        published_at_raw=published_raw,
        modified_at_raw=None if modified_at else markup.modified_text(page),
        authors=_authors(page, node, body.roots, names, layers),
        language=_language(page, node, body.content, layers),
        body=body_text(content.sections),
        sections=content.sections,
        images=images,
        see_also=content.see_also,
        related=related_cards(page),
        field_layers=layers,
    )


def _date(layers: dict[str, str], name: str, *candidates: Candidate[str]) -> str | None:
    """The first candidate that is a machine-readable date, as ISO 8601 with offset."""
    return pick(layers, name, *((layer, _iso(candidate)) for layer, candidate in candidates))


def _iso(candidate: Callable[[], str | None]) -> Callable[[], str | None]:
    return lambda: iso_datetime(candidate())


def _authors(
    page: Page, node: dict[str, Any] | None, roots: tuple[Element, ...], names: str, layers: dict[str, str]
) -> list[str]:
    """Bylines from every layer; the site's own name only on the site's own page, when nothing
    else names an author (the publisher is an author only where the page says so)."""
    found = pick(
        layers,
        "authors",
        ("jsonld", lambda: jsonld.names(node.get("author")) if node else []),
        ("microdata", lambda: page.microdata.all("author")),
        ("meta", lambda: _meta_authors(page.metas)),
        ("site", lambda: markup.authors(page)),
        ("generic", lambda: visible.bylines(page, roots)),
        ("site", lambda: [page.site.name] if _is_own_page(page, node, names) else []),
    )
    return unique(found or [])


def _meta_authors(m: dict[str, list[str]]) -> list[str]:
    return [
        a
        for a in metas.all_values(m, "author") + metas.all_values(m, "article:author")
        if not a.startswith(("http://", "https://"))
    ]


def _split_keywords(values: list[str]) -> list[str]:
    return [k.strip() for value in values for k in re.split(r"[,،]", value) if k.strip()]


def _site_names(page: Page, node: dict[str, Any] | None) -> str:
    """A pattern of the names the page gives its own site (``og:site_name``, the JSON-LD
    publisher, ``application-name``) and the configured site's names, for title suffixes
    and sign-offs."""
    own = [
        *metas.all_values(page.metas, "og:site_name"),
        *metas.all_values(page.metas, "application-name"),
        *(jsonld.names(node.get("publisher")) if node else []),
    ]
    return name_pattern_of(page.site, tuple(unique([html.unescape(n).strip() for n in own])))


def _is_own_page(page: Page, node: dict[str, Any] | None, names: str) -> bool:
    """The page says it is the configured site's: its title, site name or publisher names it.
    Only then is the site's name its author when nothing else is."""
    site_only = page.site.name_pattern()
    said = [
        markup.document_title(page) or "",
        *metas.all_values(page.metas, "og:site_name"),
        *(jsonld.names(node.get("publisher")) if node else []),
    ]
    return any(re.search(site_only, text) for text in said if text)


def canonical_url(page: Page, node: dict[str, Any] | None) -> str:
    """The page's own on-site canonical URL: ``rel=canonical``, ``og:url``, JSON-LD, or the
    fetched URL; AMP and tracking variants map to the article."""
    candidates = (
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


def _breadcrumb_category(page: Page) -> str | None:
    """The crumb before the article's own (the last crumb without a link is the title)."""
    names = [n for n in jsonld.breadcrumb_names(page.jsonld_nodes) if n]
    if len(names) >= 3:
        return names[-2]
    if len(names) == 2:
        return names[-1]
    return None


def _language(page: Page, node: dict[str, Any] | None, content: Content, layers: dict[str, str]) -> str:
    """The page's declared language, unless its text is in a script that language does not
    use (an Arabic text under ``lang="en"``): then the text decides."""
    value = pick(
        layers,
        "language",
        ("site", lambda: markup.language(page)),
        ("jsonld", lambda: jsonld.text(node, "inLanguage")),
        ("meta", lambda: metas.first(page.metas, "og:locale")),
    )
    declared = re.split(r"[-_]", value.strip())[0].lower() if value else ""
    if declared in visible.ARABIC_SCRIPT:
        return declared
    from_text = visible.script_language(body_text(content.sections))
    if from_text and from_text != declared:
        layers["language"] = "generic"
        return from_text
    return declared or "ar"


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
