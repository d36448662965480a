"""The related-news section of an article page and its cards (title, URL, teaser, category)."""

from __future__ import annotations

from lxml import etree

from khabar_crawler.extract.dom import MISSING, classes
from khabar_crawler.extract.page import Page
from khabar_crawler.extract.text import PLACEHOLDER, node_text, squash
from khabar_crawler.extract.xpath import xpath
from khabar_crawler.items import RelatedCard

Element = etree._Element
#: cheap pre-filter for the related-news section; the class or id is checked exactly after
RELATED_CANDIDATES = '/descendant::*[contains(@class, "related") or starts-with(@id, "related")]'
RELATED_CLASSES = frozenset({"related-news", "related-posts"})
RELATED_IDS = frozenset({"related-news", "related-posts"})
RELATED_HEADINGS = ("أخبار ذات صلة", "اخبار ذات صلة", "مواضيع ذات صلة", "مقالات ذات صلة")


def related_root(page: Page) -> Element | None:
    """The related-news section (computed once per page)."""
    cached: Element | None = page.cache.get("related_root", MISSING)  # type: ignore[assignment]
    if cached is not MISSING:
        return cached
    found = _related_root(page)
    page.cache["related_root"] = found
    return found


def _related_root(page: Page) -> Element | None:
    for node in xpath(page.root, RELATED_CANDIDATES):
        if node.get("id") in RELATED_IDS or RELATED_CLASSES & set(classes(node).split()):
            found: Element = node
            return found
    for heading in xpath(page.root, "//h2|//h3|//h4"):
        if squash("".join(heading.itertext())) in RELATED_HEADINGS:
            parent: Element | None = heading.getparent()
            return parent
    return None


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
