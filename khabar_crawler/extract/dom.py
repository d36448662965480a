"""Element helpers the extraction modules share: names, ancestry, document order, chrome."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

Element = etree._Element

#: a per-page cache's "not computed yet"
MISSING = object()
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


def classes(el: Element) -> str:
    return el.get("class") or ""


def is_element(el: object) -> bool:
    return isinstance(el, etree._Element) and isinstance(el.tag, str)


def tag_name(el: object) -> str:
    """Lower-case tag name; empty for comments and processing instructions."""
    tag = getattr(el, "tag", None)
    return tag.lower() if isinstance(tag, str) else ""


def ancestors(el: Element) -> Iterator[Element]:
    parent = el.getparent()
    while parent is not None:
        yield parent
        parent = parent.getparent()


def inside(el: Element, containers: list[Element]) -> bool:
    return any(a in containers for a in ancestors(el)) or el in containers


def in_chrome(el: Element) -> bool:
    """Inside the site's header, footer, navigation or a card/share/ad block."""
    for a in ancestors(el):
        tag = tag_name(a) if is_element(a) else ""
        if tag in ("footer", "nav", "aside") or (tag == "header" and "site-header" in classes(a)):
            return True
        if is_element(a) and SKIP_CLASSES.search(classes(a)):
            return True
    return False


def precedes(first: Element, second: Element) -> bool:
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
