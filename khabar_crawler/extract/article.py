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
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from khabar_crawler.extract import generic, jsonld, markup, visible
from khabar_crawler.extract import meta as metas
from khabar_crawler.extract.body import article_body
from khabar_crawler.extract.dates import iso_datetime
from khabar_crawler.extract.page import Page
from khabar_crawler.extract.text import split_hashtags, strip_signoff, strip_site_suffix, unique
from khabar_crawler.items import ArticleItem, Image
from khabar_crawler.site import Site, name_pattern_of

T = TypeVar("T")
Candidate = tuple[str, Callable[[], T | None]]

#: a path segment that is a number (optionally with a page extension): a post id when it is
#: not part of a date
_NUMERIC_SEGMENT = re.compile(r"^(\d{3,})(?:\.(?:html?|php|aspx?))?$")
_ID_IN_QUERY = re.compile(r"(?:^|[?&])p=(\d+)")
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
#: the generic reading counts as "a long text under a headline" from this many characters
LONG_TEXT = 500
#: ... or of this many paragraphs
MIN_PARAGRAPHS = 3
#: headings with links (or ``<article>`` cards) in the text read: this many make it a
#: listing of teasers, not an article
LISTING_TEASERS = 2


def _pick(layers: dict[str, str], name: str, *candidates: Candidate[T]) -> T | None:
    """The first candidate (tried lazily, in order) that gives a non-empty value; its layer
    is recorded under ``name``."""
    for layer, candidate in candidates:
        value = candidate()
        if value:
            layers[name] = layer
            return value
    return None


@dataclass(frozen=True)
class Verdict:
    """Whether a page is an article, and the signs that said so."""

    article: bool
    signs: tuple[str, ...]
    #: the page holds article-like prose (a long, non-listing text) whatever the verdict
    substantial_text: bool


def classify(page: Page) -> Verdict:
    """Every sign of an article counts, and no single weak sign vetoes another.

    A structured sign is enough: JSON-LD or microdata of an Article type,
    ``og:type=article``, ``article:*`` metas (the first one found ends the look-up; the
    costlier signs are read only when none was). The weak signs are weighed: the site
    profile's body container under a headline, and a long non-listing text under an h1, each
    for; a declared type that is not an article (``og:type=website``) against. A WordPress page
    with the theme's container but declared a website is no article; with a long text under
    its headline as well, it is."""
    if jsonld.article_node(page.jsonld_nodes) is not None:
        return Verdict(True, ("jsonld",), False)
    og_type = (metas.first(page.metas, "og:type") or "").lower()
    if og_type == "article":
        return Verdict(True, ("og:type",), False)
    if any(key.startswith("article:") for key in page.metas):
        return Verdict(True, ("article-metas",), False)
    if page.microdata.scope is not None:
        return Verdict(True, ("microdata",), False)
    signs: list[str] = []
    if markup.site_container(page) is not None and markup.title(page) is not None:
        signs.append("container")
        if not og_type:
            return Verdict(True, tuple(signs), False)
    substantial = _long_text(page)
    if substantial and page.root.find(".//h1") is not None:
        signs.append("long-text")
    against = 1 if og_type else 0
    return Verdict(len(signs) > against, tuple(signs), substantial)


def _long_text(page: Page) -> bool:
    """A text of some length (or of several paragraphs) that is not a listing (teasers under
    linked headings)."""
    reading = generic.read(page)
    if reading is None:
        return False
    paragraphs = sum(1 for root in reading.roots for p in root.iter("p") if p.text or len(p))
    if reading.chars < LONG_TEXT and paragraphs < MIN_PARAGRAPHS:
        return False
    teasers = sum(
        1
        for root in reading.roots
        for el in root.iter("h2", "h3", "h4", "article")
        if el.tag == "article"
        or next(el.iter("a"), None) is not None
        or next(el.iterancestors("a"), None) is not None
    )
    return teasers < LISTING_TEASERS


def is_article_page(page: Page) -> bool:
    return classify(page).article


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
    raw_summary = _pick(
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
    images = _merge_images(markup.hero_images(page, first_root), content.images, _meta_images(page, node))

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
        published_raw = _pick(
            layers,
            "published_at",
            *published_sources,
            ("site", lambda: markup.published_text(page)),
            ("generic", lambda: visible.date_text(page)),
        )
    title = _pick(
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
        article_id=_pick(layers, "article_id", *article_id_candidates(page, node, canonical)),
        title=strip_site_suffix(title, names) or title if title else None,
        summary=summary or None,
        category=_pick(
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
            or _pick(
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
        authors=unique(
            _pick(
                layers,
                "authors",
                ("jsonld", lambda: jsonld.names(node.get("author")) if node else []),
                ("microdata", lambda: micro.all("author")),
                ("meta", lambda: _meta_authors(m)),
                ("site", lambda: markup.authors(page)),
                ("generic", lambda: visible.bylines(page, body.roots)),
                ("site", lambda: [page.site.name] if _is_own_page(page, node, names) else []),
            )
            or []
        ),
        language=_language(page, node, body.content, layers),
        body=_joined(content),
        sections=content.sections,
        images=images,
        see_also=content.see_also,
        related=markup.related(page),
        field_layers=layers,
    )


def _joined(content: markup.Content) -> str:
    return "\n\n".join(
        text
        for section in content.sections
        for text in ([section["heading"]] if section["heading"] else []) + section["paragraphs"]
    )


def _date(layers: dict[str, str], name: str, *candidates: Candidate[str]) -> str | None:
    """The first candidate that is a machine-readable date, as ISO 8601 with offset."""
    return _pick(layers, name, *((layer, _iso(candidate)) for layer, candidate in candidates))


def _iso(candidate: Callable[[], str | None]) -> Callable[[], str | None]:
    return lambda: iso_datetime(candidate())


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


def article_id_candidates(
    page: Page, node: dict[str, Any] | None, canonical: str
) -> tuple[Candidate[str], ...]:
    """The site's own post id, strongest first: JSON-LD ``identifier`` or ``@id``, microdata
    ``identifier``, the shortlink and theme markup, then a numeric path segment that is not
    part of a date. Never a year: without an id the article is known by its canonical URL."""
    return (
        ("jsonld", lambda: _jsonld_id(node)),
        ("microdata", lambda: _numeric(page.microdata.first("identifier"))),
        ("site", lambda: markup.article_id(page)),
        ("generic", lambda: id_in_path(canonical)),
    )


def _numeric(value: str | None) -> str | None:
    return value if value and value.isdigit() else None


def _jsonld_id(node: dict[str, Any] | None) -> str | None:
    if not node:
        return None
    identifier = _numeric(jsonld.text(node, "identifier"))
    if identifier:
        return identifier
    for value in (node.get("@id"), *jsonld.urls(node.get("mainEntityOfPage"))):
        match = _ID_IN_QUERY.search(urlsplit(value).query) if isinstance(value, str) else None
        if match:
            return match.group(1)
    return None


def id_in_path(url: str) -> str | None:
    """The last numeric path segment of ``url`` that is not a date part: ``/news/41872/slug/``
    gives 41872, ``/story/2024/5/13/slug/6573469`` gives 6573469, ``/2013/world/8/3/x``
    gives None (a year, a month, a day)."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    found = None
    for index, segment in enumerate(segments):
        match = _NUMERIC_SEGMENT.match(segment)
        if match and not _is_date_part(segments, index):
            found = match.group(1)
    return found


def _is_date_part(segments: list[str], index: int) -> bool:
    """A year (four digits from 1900 to 2100) or a compact date (``20240513``)."""
    value = segments[index]
    if len(value) == 4:
        return 1900 <= int(value) <= 2100
    return len(value) == 8 and 19000101 <= int(value) <= 21001231


def _breadcrumb_category(page: Page) -> str | None:
    """The crumb before the article's own (the last crumb without a link is the title)."""
    names = [n for n in jsonld.breadcrumb_names(page.jsonld_nodes) if n]
    if len(names) >= 3:
        return names[-2]
    if len(names) == 2:
        return names[-1]
    return None


def _language(
    page: Page, node: dict[str, Any] | None, content: markup.Content, layers: dict[str, str]
) -> str:
    """The page's declared language, unless its text is in a script that language does not
    use (an Arabic text under ``lang="en"``): then the text decides."""
    value = _pick(
        layers,
        "language",
        ("site", lambda: markup.language(page)),
        ("jsonld", lambda: jsonld.text(node, "inLanguage")),
        ("meta", lambda: metas.first(page.metas, "og:locale")),
    )
    declared = re.split(r"[-_]", value.strip())[0].lower() if value else ""
    if declared in visible.ARABIC_SCRIPT:
        return declared
    from_text = visible.script_language(_joined(content))
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
