"""The visible-markup layer: what a reader sees on the page (and the theme's own attributes).

Everything here works from the HTML alone, so an article keeps its fields when the page
carries no JSON-LD and no metas.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from lxml import etree
from w3lib.url import safe_url_string

from khabar_crawler.extract import boilerplate
from khabar_crawler.extract.page import Page
from khabar_crawler.extract.text import (
    PLACEHOLDER,
    SEE_ALSO_PREFIX,
    node_text,
    split_credit,
    squash,
)
from khabar_crawler.extract.xpath import xpath
from khabar_crawler.items import Image, Link, RelatedCard, Section

Element = etree._Element

#: Containers of the article text, most specific first; each finds the first in document
#: order (a positional step lets libxml2 stop there, twice as fast as ``//*[...]``).
CONTENT_XPATHS = (
    '/descendant::*[@itemprop="articleBody"][1]',
    *(
        f'/descendant::*[contains(concat(" ", normalize-space(@class), " "), " {name} ")][1]'
        for name in (
            "entry-content",
            "article-content",
            "article-body",
            "post-content",
            "story-body",
            "td-post-content",
        )
    ),
)
#: cheap pre-filter for the related-news section; the class or id is checked exactly after
RELATED_CANDIDATES = '/descendant::*[contains(@class, "related") or starts-with(@id, "related")]'
RELATED_CLASSES = frozenset({"related-news", "related-posts"})
RELATED_IDS = frozenset({"related-news", "related-posts"})
RELATED_HEADINGS = ("أخبار ذات صلة", "اخبار ذات صلة", "مواضيع ذات صلة", "مقالات ذات صلة")
HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
TEXT_BLOCKS = frozenset({"p", "li", "blockquote", "pre"})
BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "ul",
        "ol",
        "li",
        "blockquote",
        "figure",
        "table",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "footer",
        "aside",
        "nav",
        "form",
    }
)
SKIP_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "nav",
        "aside",
        "form",
        "iframe",
        "button",
        "svg",
        "footer",
        "select",
        "input",
        "video",
        "audio",
        "object",
        "embed",
    }
)
SKIP_CLASSES = re.compile(
    r"(?:^|[\s_-])(?:share|sharing|social|sharedaddy|related|ads?|advert|advertisement|adsbygoogle"
    r"|newsletter|comments?|tags-links|post-tags|author-box|breadcrumbs?|card)(?:$|[\s_-])",
    re.I,
)
SEE_ALSO_CLASSES = re.compile(r"see-also|seealso|read-also|read-more-inline|inline-related", re.I)
_POST_ID = re.compile(r"(?:^|[?&])p=(\d+)(?:&|$)")
_POST_CLASS = re.compile(r"\bpostid-(\d+)\b")
_POST_ELEMENT_ID = re.compile(r"^post-(\d+)$")
_CATEGORY_LINE = re.compile(r"^\s*(?:التصنيف|القسم|التصنيفات)\s*[:：]\s*(?P<name>.+?)\s*$")


def _classes(el: Element) -> str:
    return el.get("class") or ""


def _is_element(el: object) -> bool:
    return isinstance(el, etree._Element) and isinstance(el.tag, str)


def _tag(el: object) -> str:
    """Lower-case tag name; empty for comments and processing instructions."""
    tag = getattr(el, "tag", None)
    return tag.lower() if isinstance(tag, str) else ""


def _ancestors(el: Element) -> Iterator[Element]:
    parent = el.getparent()
    while parent is not None:
        yield parent
        parent = parent.getparent()


def _inside(el: Element, containers: list[Element]) -> bool:
    return any(a in containers for a in _ancestors(el)) or el in containers


def site_container(page: Page) -> tuple[Element, str] | None:
    """``(container, layer)``: the schema.org ``articleBody`` (layer ``microdata``) or a
    theme container of the site profile (layer ``site``). Computed once per page."""
    cached = page.cache.get("site_container", _MISSING)
    if cached is not _MISSING:
        return cached  # type: ignore[return-value]
    found: tuple[Element, str] | None = None
    for index, expression in enumerate(CONTENT_XPATHS):
        nodes = xpath(page.root, expression)
        if nodes:
            found = (nodes[0], "microdata" if index == 0 else "site")
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
    articles = [a for a in page.tagged("article") if not SKIP_CLASSES.search(_classes(a))]
    if len(articles) == 1:
        return articles[0]
    return None


def related_root(page: Page) -> Element | None:
    """The related-news section (computed once per page)."""
    cached: Element | None = page.cache.get("related_root", _MISSING)  # type: ignore[assignment]
    if cached is not _MISSING:
        return cached
    found = _related_root(page)
    page.cache["related_root"] = found
    return found


_MISSING = object()


def _related_root(page: Page) -> Element | None:
    for node in xpath(page.root, RELATED_CANDIDATES):
        if node.get("id") in RELATED_IDS or RELATED_CLASSES & set(_classes(node).split()):
            found: Element = node
            return found
    for heading in xpath(page.root, "//h2|//h3|//h4"):
        if squash("".join(heading.itertext())) in RELATED_HEADINGS:
            parent: Element | None = heading.getparent()
            return parent
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
        if not LEDE_CLASSES & set(_classes(node).split()) or _inside(node, excluded) or _in_chrome(node):
            continue
        text = node_text(node)
        if text:
            return text
    for heading in xpath(page.root, "//h1"):
        following = heading.getnext()
        if following is not None and _tag(following) == "p" and not _inside(following, excluded):
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


# --- article content ---------------------------------------------------------------------


@dataclass
class Content:
    sections: list[Section] = field(default_factory=list)
    see_also: list[Link] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)

    def add_heading(self, text: str) -> None:
        self.sections.append({"heading": text, "paragraphs": []})

    def add_paragraph(self, text: str) -> None:
        if not self.sections:
            self.sections.append({"heading": None, "paragraphs": []})
        self.sections[-1]["paragraphs"].append(text)


def _has_block_children(el: Element) -> bool:
    return any(_is_element(c) and _tag(c) in BLOCK_TAGS for c in el.iterdescendants())


def _is_see_also(el: Element) -> bool:
    if _tag(el) not in {"p", "div", "section", "aside", "blockquote", "ul", "li", "span"}:
        return False
    if not any(a.get("href") is not None for a in el.iter("a")):
        return False
    if SEE_ALSO_CLASSES.search(_classes(el)):
        return True
    return bool(SEE_ALSO_PREFIX.match(node_text(el)))


def _see_also_links(page: Page, el: Element) -> list[Link]:
    links: list[Link] = []
    for anchor in xpath(el, ".//a[@href]"):
        url = page.site_url(anchor.get("href"))
        title = node_text(anchor) or SEE_ALSO_PREFIX.sub("", node_text(el)).strip()
        if url and title:
            links.append({"title": title, "url": url})
    return links


def _image_src(img: Element) -> str | None:
    for attr in ("data-src", "data-lazy-src", "data-original", "data-url"):
        value = img.get(attr)
        if value and value.strip() and not value.strip().startswith("data:"):
            return value.strip()
    for attr in ("data-srcset", "data-lazy-srcset", "srcset"):
        value = img.get(attr)
        if value and value.strip():
            return _largest_in_srcset(value)
    src = img.get("src")
    if src and src.strip() and not src.strip().startswith("data:"):
        return src.strip()
    return None


def _largest_in_srcset(srcset: str) -> str | None:
    best: tuple[float, str] | None = None
    for candidate in srcset.split(","):
        parts = candidate.split()
        if not parts or parts[0].startswith("data:"):
            continue
        size = 0.0
        if len(parts) > 1 and parts[1][:-1].replace(".", "", 1).isdigit():
            size = float(parts[1][:-1])
        if best is None or size > best[0]:
            best = (size, parts[0])
    return best[1] if best else None


def _image_url(page: Page, src: str) -> str | None:
    absolute = page.absolute(src)
    if absolute is None:
        return None
    if page.site.is_on_site(absolute):
        return page.site.to_site_url(absolute)
    return safe_url_string(absolute)


def _caption(figcaption: Element | None) -> tuple[str | None, str | None]:
    if figcaption is None:
        return None, None
    credit_nodes = xpath(figcaption, './/*[contains(@class, "credit") or contains(@class, "copyright")]')
    if credit_nodes:
        credit = node_text(credit_nodes[0]).strip("[]() ")
        full = node_text(figcaption)
        caption_text, bracketed = split_credit(full)
        if bracketed:
            return caption_text, bracketed
        caption_only = squash(full.replace(node_text(credit_nodes[0]), ""))
        return caption_only or None, credit or None
    return split_credit(node_text(figcaption))


def figure_images(page: Page, el: Element) -> list[Image]:
    """Images of a ``<figure>`` (or a bare ``<img>``), lazy sources and noscript copies included."""
    figcaption = el.find(".//figcaption") if _tag(el) != "img" else None
    caption, credit = _caption(figcaption)
    images: list[Image] = []
    imgs = [el] if _tag(el) == "img" else list(el.iter("img"))
    seen: set[str] = set()
    for img in imgs:
        src = _image_src(img)
        url = _image_url(page, src) if src else None
        if not url or url in seen:
            continue
        seen.add(url)
        alt = squash(img.get("alt")) or None
        images.append({"url": url, "alt": alt, "caption": caption, "credit": credit})
    return images


#: elements that flow inside a line of text
INLINE_TAGS = frozenset(
    {"a", "b", "strong", "em", "i", "u", "span", "font", "small", "big", "sup", "sub", "mark", "abbr"}
    | {"cite", "q", "time", "code", "s", "del", "ins", "bdi", "bdo", "label"}
)


def _left_out(el: Element) -> bool:
    """Hidden from readers, or theme chrome."""
    return boilerplate.is_hidden(el) or boilerplate.is_chrome(el)


def _holds_left_out(el: Element) -> bool:
    """Whether a text block holds a hidden or chrome element (a hidden copy of the title in a
    heading): only attributes that can say so are looked at."""
    return any(
        (d.get("class") or d.get("style") or d.get("hidden") is not None or d.get("aria-hidden"))
        and _left_out(d)
        for d in el.iterdescendants(etree.Element)
    )


def _block_text(el: Element) -> str:
    """The visible text of a block: ``node_text`` without hidden or chrome descendants."""
    if not _holds_left_out(el):
        return node_text(el)
    parts: list[str] = []

    def gather(node: Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if _is_element(child) and _tag(child) not in SKIP_TAGS and not _left_out(child):
                gather(child)
            if child.tail:
                parts.append(child.tail)

    gather(el)
    return squash("".join(parts))


def _lines(el: Element) -> list[str]:
    """The text of ``el`` cut at its ``<br>`` elements (a paragraph a line)."""
    lines: list[str] = []
    current: list[str] = [el.text or ""]
    for child in el:
        if _tag(child) == "br":
            lines.append(squash("".join(current)))
            current = []
        elif _is_element(child) and _tag(child) not in SKIP_TAGS and not _left_out(child):
            current.append(_block_text(child) + " ")
        current.append(child.tail or "")
    lines.append(squash("".join(current)))
    return [line for line in lines if line]


def _paragraphs(el: Element) -> list[str]:
    """The paragraphs of a text block: one, or one a line when ``<br>`` separates lines."""
    if next(el.iterchildren("br"), None) is None:
        text = _block_text(el)
        return [text] if text else []
    return _lines(el)


def _is_prose_line(text: str) -> bool:
    """Not a placeholder, a chrome line (reading time, login, paywall) or a date line."""
    return not (PLACEHOLDER.match(text) or boilerplate.is_chrome_line(text) or boilerplate.is_date_line(text))


def _is_prose(el: Element, text: str) -> bool:
    """Article text rather than chrome: a prose line that is not a legal notice and not
    mostly links."""
    if not _is_prose_line(text):
        return False
    if next(el.iter("a"), None) is None:
        return True
    if boilerplate.links_to_legal_pages(el):
        return False
    return boilerplate.link_density(el, len(node_text(el))) <= boilerplate.LINK_DENSITY_MAX


def _has_running_text(el: Element) -> bool:
    """Text directly in ``el`` (its own text or its children's tails), not only in blocks."""
    if el.text and el.text.strip():
        return True
    return any((child.tail and child.tail.strip()) or _tag(child) in INLINE_TAGS for child in el)


def content(page: Page, roots: Element | Sequence[Element]) -> Content:
    """Sections, inline see-also links and images of the article content, in order: what is
    inside ``roots`` (one container, or several sibling containers), theme chrome left out
    whatever the layer that found them. Text written straight into a container, between its
    blocks, is read as paragraphs cut at its ``<br>`` elements."""
    out = Content()

    def walk(el: Element) -> None:
        if not _is_element(el):
            return
        tag = _tag(el)
        if tag in SKIP_TAGS or boilerplate.is_hidden(el):
            return
        if _is_see_also(el):
            out.see_also.extend(_see_also_links(page, el))
            return
        if boilerplate.is_chrome(el):
            return
        if tag in ("figure", "img", "picture"):
            out.images.extend(figure_images(page, el))
            return
        if tag in HEADINGS:
            text = _block_text(el)
            if text and _is_prose(el, text):
                out.add_heading(text)
            return
        leaf_div = tag in ("div", "section") and not _has_block_children(el)
        if tag in TEXT_BLOCKS or leaf_div:
            if tag == "blockquote" and _has_block_children(el):
                walk_children(el)
                return
            for img in el.iter("img"):
                out.images.extend(figure_images(page, img))
            for text in _paragraphs(el):
                if _is_prose(el, text):
                    out.add_paragraph(text)
            return
        walk_children(el)

    def walk_children(el: Element) -> None:
        if not _has_running_text(el):
            for child in el:
                walk(child)
            return
        lines: list[str] = []
        current: list[str] = [el.text or ""]

        def flush() -> None:
            for text in [*lines, squash("".join(current))]:
                if text and _is_prose_line(text):
                    out.add_paragraph(text)
            lines.clear()
            current.clear()

        for child in el:
            tag = _tag(child)
            if tag == "br":
                lines.append(squash("".join(current)))
                current.clear()
            elif tag in INLINE_TAGS and not _left_out(child) and not _is_see_also(child):
                current.append(_block_text(child) + " ")
            elif _is_element(child):
                flush()
                walk(child)
            current.append(child.tail or "")
        flush()

    for root in [roots] if isinstance(roots, etree._Element) else roots:
        walk_children(root)
    return out


def hero_images(page: Page, content_el: Element | None) -> list[Image]:
    """Figures of the article header: before the content, outside cards, site header and footer."""
    scope = article_root(page)
    if scope is None:
        scope = page.root.find(".//body")
    if scope is None:
        return []
    related = related_root(page)
    excluded = [e for e in (content_el, related) if e is not None]
    images: list[Image] = []
    for figure in scope.iter("figure"):
        if _inside(figure, excluded) or _in_chrome(figure):
            continue
        if content_el is not None and _precedes(content_el, figure):
            continue
        images.extend(figure_images(page, figure))
    return images


def _in_chrome(el: Element) -> bool:
    """Inside the site's header, footer, navigation or a card/share/ad block."""
    for a in _ancestors(el):
        tag = _tag(a) if _is_element(a) else ""
        if tag in ("footer", "nav", "aside") or (tag == "header" and "site-header" in _classes(a)):
            return True
        if _is_element(a) and SKIP_CLASSES.search(_classes(a)):
            return True
    return False


def _precedes(first: Element, second: Element) -> bool:
    """True when ``first`` starts before ``second`` in document order (an ancestor starts
    before its descendants); compared at the children of their nearest common ancestor."""
    if first is second:
        return False
    first_path = [first, *first.iterancestors()]
    second_path = [second, *second.iterancestors()]
    if first_path[-1] is not second_path[-1]:
        return False  # not in one tree
    while len(first_path) > 1 and len(second_path) > 1 and first_path[-2] is second_path[-2]:
        first_path.pop()
        second_path.pop()
    if len(first_path) == 1:
        return True  # first is an ancestor of second
    if len(second_path) == 1:
        return False  # second is an ancestor of first
    parent = first_path[-1]
    return parent.index(first_path[-2]) < parent.index(second_path[-2])


#: a card's headline levels
CARD_HEADINGS = ("h2", "h3", "h4", "h5")
#: class fragments of a card's category label
CARD_CATEGORY_CLASSES = ("categ", "cat-", "section")


def _link_in(el: Element) -> Element | None:
    """The first ``<a href>`` inside ``el``."""
    return next((a for a in el.iterdescendants("a") if a.get("href") is not None), None)


def _link_around(el: Element) -> Element | None:
    """The nearest ``<a href>`` that encloses ``el``."""
    return next((a for a in el.iterancestors("a") if a.get("href") is not None), None)


def _card_summary(card: Element) -> str | None:
    for p in card.iterdescendants("p"):
        text = node_text(p)
        if text and not PLACEHOLDER.match(text):
            return text
    return None


def _card_category(card: Element) -> str | None:
    for el in card.iterdescendants(etree.Element):
        classes = el.get("class")
        if classes and any(fragment in classes for fragment in CARD_CATEGORY_CLASSES):
            return node_text(el) or None
    return None


def related(page: Page) -> list[RelatedCard]:
    """The cards of the related-news section: each heading with a link in it (or a card that
    is one big link around its heading), its summary paragraph and category label.

    lxml's own iterators walk the small card subtrees faster than XPath evaluations would."""
    root = related_root(page)
    if root is None:
        return []
    cards: list[RelatedCard] = []
    seen: set[str] = set()
    for heading in root.iterdescendants(*CARD_HEADINGS):
        inner = _link_in(heading)
        anchor = inner if inner is not None else _link_around(heading)
        if anchor is None:
            continue
        url = page.site_url(anchor.get("href"))
        title = (node_text(inner) if inner is not None else "") or node_text(heading)
        card = heading.getparent()  # never None below the section's root
        if not url or not title or url in seen or card is None:
            continue
        seen.add(url)
        cards.append(
            {
                "title": title,
                "url": url,
                "summary": _card_summary(card),
                "category": _card_category(card),
            }
        )
    return cards
