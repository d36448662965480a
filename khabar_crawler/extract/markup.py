"""The site profile: the khabarayn theme's rules for each field, from what a reader sees on
the page and the theme's own attributes (its body containers, lede, category line, dates,
bylines, post id).

Everything here works from the HTML alone, so an article keeps its fields when the page
carries no JSON-LD and no metas. The article text is walked by :mod:`.content`, images by
:mod:`.images`, the related-news cards by :mod:`.related`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lxml import etree

from khabar_crawler.extract.dom import MISSING, SKIP_CLASSES, classes, in_chrome, inside, tag_name
from khabar_crawler.extract.page import Page
from khabar_crawler.extract.related import related_root
from khabar_crawler.extract.text import node_text, squash
from khabar_crawler.extract.xpath import xpath

Element = etree._Element
#: Containers of the article text, most specific first; each finds the first in document
#: order (a positional step lets libxml2 stop there, twice as fast as ``//*[...]``).
#: the theme's own body containers (by class): the site profile's
THEME_CONTAINERS = (
    "entry-content",
    "article-content",
    "article-body",
    "post-content",
    "story-body",
    "td-post-content",
)
CONTENT_XPATHS = (
    '/descendant::*[@itemprop="articleBody"][1]',
    *(
        f'/descendant::*[contains(concat(" ", normalize-space(@class), " "), " {name} ")][1]'
        for name in THEME_CONTAINERS
    ),
)
_POST_ID = re.compile(r"(?:^|[?&])p=(\d+)(?:&|$)")
_POST_CLASS = re.compile(r"\bpostid-(\d+)\b")
_POST_ELEMENT_ID = re.compile(r"^post-(\d+)$")
_CATEGORY_LINE = re.compile(r"^\s*(?:التصنيف|القسم|التصنيفات)\s*[:：]\s*(?P<name>.+?)\s*$")


def site_container(page: Page) -> tuple[Element, str] | None:
    """``(container, layer)``: the schema.org ``articleBody`` (layer ``microdata``) or a
    theme container of the site profile (layer ``site``). Computed once per page."""
    cached = page.cache.get("site_container", MISSING)
    if cached is not MISSING:
        return cached  # type: ignore[return-value]
    found: tuple[Element, str] | None = None
    for index, expression in enumerate(CONTENT_XPATHS):
        nodes = xpath(page.root, expression)
        if nodes:
            # the schema.org articleBody is the microdata layer's, unless it is the theme's
            # own container too (khabarayn's carries both)
            theme = index > 0 or bool(set(classes(nodes[0]).split()) & set(THEME_CONTAINERS))
            found = (nodes[0], "site" if theme else "microdata")
            break
    page.cache["site_container"] = found
    return found


def article_root(page: Page) -> Element | None:
    """The single article element of an article page (WordPress ``post-<id>`` or schema.org)."""
    posts = [a for a in page.tagged("article") if (a.get("id") or "").startswith("post-")]
    if len(posts) == 1:
        return posts[0]
    found = xpath(page.root, '//*[contains(@itemtype, "Article") or contains(@itemtype, "BlogPosting")]')
    if len(found) == 1:
        node: Element = found[0]
        return node
    articles = [a for a in page.tagged("article") if not SKIP_CLASSES.search(classes(a))]
    if len(articles) == 1:
        return articles[0]
    return None


def _first(page: Page, expression: str) -> str | None:
    """The first string an attribute or text() expression selects (as parsel's ``.get()``)."""
    found = xpath(page.root, expression)
    return str(found[0]) if found else None


def _link_href(page: Page, rel: str) -> str | None:
    """The href of the first ``<link rel>`` whose rel is exactly ``rel``."""
    for link in page.tagged("link"):
        href = link.get("href")
        if href is not None and link.get("rel") == rel:
            return href
    return None


def canonical(page: Page) -> str | None:
    return _link_href(page, "canonical")


def language(page: Page) -> str | None:
    return _first(page, "/html/@lang") or _first(page, "/html/@xml:lang")


def title(page: Page) -> str | None:
    for expression in (
        '//h1[contains(concat(" ", normalize-space(@class), " "), " entry-title ")]',
        '//*[@itemprop="headline"]',
        "//article//h1",
        "//h1",
    ):
        for node in xpath(page.root, expression):
            text = node_text(node)
            if text:
                return text
    return None


def document_title(page: Page) -> str | None:
    text = squash(_first(page, "//title/text()"))
    return text or None


#: class names of a lede (summary) block, matched as whole class tokens
LEDE_CLASSES = frozenset(
    {
        "entry-lede",
        "lede",
        "entry-summary",
        "post-excerpt",
        "article-summary",
        "summary",
        "excerpt",
        "standfirst",
        "article-lede",
        "article-lead",
        "lead",
        "dek",
        "subtitle",
    }
)


def lede(page: Page, content_roots: Sequence[Element] = ()) -> str | None:
    """The lede: a block with a lede class outside the content, related cards and chrome;
    else the paragraph right after the headline."""
    related = related_root(page)
    excluded = [*content_roots, *([related] if related is not None else [])]
    for node in xpath(page.root, "//body//*[@class]"):
        if not LEDE_CLASSES & set(classes(node).split()) or inside(node, excluded) or in_chrome(node):
            continue
        text = node_text(node)
        if text:
            return text
    for heading in xpath(page.root, "//h1"):
        following = heading.getnext()
        if following is not None and tag_name(following) == "p" and not inside(following, excluded):
            text = node_text(following)
            if text:
                return text
    return None


def category(page: Page) -> str | None:
    for expression in (
        '//*[contains(@class, "entry-category") or contains(@class, "post-category")'
        ' or contains(@class, "cat-links")]//a',
        '//a[contains(concat(" ", normalize-space(@rel), " "), " category ")]',
    ):
        for node in xpath(page.root, expression):
            text = node_text(node)
            if text:
                return text
    for node in xpath(page.root, "//body//*[not(*) or self::div or self::span or self::p]"):
        text = node_text(node)
        if len(text) < 80:
            match = _CATEGORY_LINE.match(text)
            if match:
                return match["name"]
    return None


def tags(page: Page) -> list[str]:
    nodes = xpath(
        page.root,
        '//a[contains(concat(" ", normalize-space(@rel), " "), " tag ")'
        ' and not(contains(concat(" ", normalize-space(@rel), " "), " category "))]'
        ' | //*[contains(@class, "tags-links") or contains(@class, "post-tags")]//a',
    )
    return [t for t in (node_text(n) for n in nodes) if t]


def published(page: Page) -> str | None:
    return _date(page, "published", "datePublished")


def modified(page: Page) -> str | None:
    return _date(page, "updated", "dateModified")


def _date(page: Page, time_class: str, itemprop: str) -> str | None:
    value = _first(
        page,
        f'//time[contains(concat(" ", normalize-space(@class), " "), " {time_class} ")]/@datetime'
        f' | //*[@itemprop="{itemprop}"]/@datetime | //*[@itemprop="{itemprop}"]/@content',
    )
    return value.strip() if value else None


def published_text(page: Page) -> str | None:
    """A publication date as the page shows it ("18 يوليو 2024", "منذ ساعتين")."""
    return _date_text(page, ("published", "entry-date", "post-date", "article-date", "publish-date"))


def modified_text(page: Page) -> str | None:
    return _date_text(page, ("updated", "modified", "last-updated"))


def _date_text(page: Page, classes: tuple[str, ...]) -> str | None:
    condition = " or ".join(f'contains(@class, "{c}")' for c in classes)
    for node in xpath(page.root, f"//time[{condition}] | //*[{condition}][not(*)]"):
        text = node_text(node)
        if text and len(text) < 60:
            return text
    return None


def authors(page: Page) -> list[str]:
    nodes = xpath(
        page.root,
        '//*[@itemprop="author"]//*[@itemprop="name"]'
        ' | //a[contains(concat(" ", normalize-space(@rel), " "), " author ")]'
        ' | //*[contains(@class, "byline")]//*[contains(@class, "author")]'
        ' | //*[contains(concat(" ", normalize-space(@class), " "), " author-name ")]',
    )
    return [t for t in (node_text(n) for n in nodes) if t]


def article_id(page: Page) -> str | None:
    for link in page.tagged("link"):
        href = link.get("href")
        if href is None or link.get("rel") != "shortlink":
            continue
        match = _POST_ID.search(href.split("?", 1)[-1]) if "?" in href else None
        if match:
            return match.group(1)
    for node in page.tagged("article"):
        match = _POST_ELEMENT_ID.match(node.get("id") or "")
        if match:
            return match.group(1)
    body_class = _first(page, "//body/@class") or ""
    match = _POST_CLASS.search(body_class)
    return match.group(1) if match else None
