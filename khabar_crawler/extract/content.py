"""The article content: sections (sub-headings and paragraphs), inline see-also links and
images, walked in document order inside the container(s) a layer found, theme chrome left out
whatever the layer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

from khabar_crawler.extract import boilerplate
from khabar_crawler.extract.dom import BLOCK_TAGS, SKIP_TAGS, classes, is_element, tag_name
from khabar_crawler.extract.images import figure_images
from khabar_crawler.extract.page import Page
from khabar_crawler.extract.text import PLACEHOLDER, SEE_ALSO_PREFIX, node_text, squash
from khabar_crawler.extract.xpath import xpath
from khabar_crawler.items import Image, Link, Section

Element = etree._Element
HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
TEXT_BLOCKS = frozenset({"p", "li", "blockquote", "pre"})
SEE_ALSO_CLASSES = re.compile(r"see-also|seealso|read-also|read-more-inline|inline-related", re.I)


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


def body_text(sections: Sequence[Section]) -> str:
    """An article's body: its sections' headings and paragraphs in order, joined by a blank
    line (the one definition, for extraction and the clean pipeline alike)."""
    return "\n\n".join(
        text
        for section in sections
        for text in ([section["heading"]] if section["heading"] else []) + section["paragraphs"]
    )


def _has_block_children(el: Element) -> bool:
    return any(is_element(c) and tag_name(c) in BLOCK_TAGS for c in el.iterdescendants())


def _is_see_also(el: Element) -> bool:
    if tag_name(el) not in {"p", "div", "section", "aside", "blockquote", "ul", "li", "span"}:
        return False
    if not any(a.get("href") is not None for a in el.iter("a")):
        return False
    if SEE_ALSO_CLASSES.search(classes(el)):
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
            if is_element(child) and tag_name(child) not in SKIP_TAGS and not _left_out(child):
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
        if tag_name(child) == "br":
            lines.append(squash("".join(current)))
            current = []
        elif is_element(child) and tag_name(child) not in SKIP_TAGS and not _left_out(child):
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
    return any((child.tail and child.tail.strip()) or tag_name(child) in INLINE_TAGS for child in el)


def read_content(page: Page, roots: Element | Sequence[Element]) -> Content:
    """Sections, inline see-also links and images of the article content, in order: what is
    inside ``roots`` (one container, or several sibling containers), theme chrome left out
    whatever the layer that found them. Text written straight into a container, between its
    blocks, is read as paragraphs cut at its ``<br>`` elements."""
    out = Content()

    def walk(el: Element) -> None:
        if not is_element(el):
            return
        tag = tag_name(el)
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
            tag = tag_name(child)
            if tag == "br":
                lines.append(squash("".join(current)))
                current.clear()
            elif tag in INLINE_TAGS and not _left_out(child) and not _is_see_also(child):
                current.append(_block_text(child) + " ")
            elif is_element(child):
                flush()
                walk(child)
            current.append(child.tail or "")
        flush()

    for root in [roots] if isinstance(roots, etree._Element) else roots:
        walk_children(root)
    return out
