"""The article body: the site profile's container first, the generic reading when the
profile finds nothing or much less text than the page holds.

A page of the site's known theme is read by the profile alone: its container holds most of
the page's paragraphs, and that is checked by counting the ``<p>`` elements, so the generic
reading never taxes those pages. Otherwise the two readings are compared by their text.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from khabar_crawler.extract import generic, markup
from khabar_crawler.extract.content import Content, body_text, read_content
from khabar_crawler.extract.page import Page
from khabar_crawler.extract.related import related_root
from khabar_crawler.extract.xpath import xpath

Element = etree._Element

#: the profile's text needs no second opinion when its container holds at least this share
#: of the page's paragraphs
PROFILE_SHARE = 0.5
#: the generic reading replaces the profile's when it finds this much more text
GENERIC_GAIN = 1.5


@dataclass(frozen=True)
class Body:
    roots: tuple[Element, ...]
    content: Content
    #: the layer that found it: ``site``, ``microdata`` or ``generic`` (``none`` when empty)
    layer: str

    @property
    def chars(self) -> int:
        return len(body_text(self.content.sections))


def _paragraphs(root: Element) -> int:
    return int(xpath(root, "count(.//p)"))


def page_paragraphs(page: Page) -> int:
    """The page's ``<p>`` elements outside its related-news section: what any reading of the
    page could find (counted, not read: lxml walks them without building their text)."""
    body = page.root.find("body")
    if body is None:
        return 0
    related = related_root(page)
    return _paragraphs(body) - (_paragraphs(related) if related is not None else 0)


def article_body(page: Page) -> Body:
    """The article body of ``page`` and the layer it came from (computed once per page)."""
    cached = page.cache.get("body")
    if isinstance(cached, Body):
        return cached
    found = _article_body(page)
    page.cache["body"] = found
    return found


def _article_body(page: Page) -> Body:
    profile: Body | None = None
    container = markup.site_container(page)
    if container is not None:
        element, layer = container
        profile = Body((element,), read_content(page, element), layer)
        if profile.chars and _paragraphs(element) >= PROFILE_SHARE * page_paragraphs(page):
            return profile
    reading = generic.read(page)
    if reading is not None:
        candidate = Body(reading.roots, read_content(page, list(reading.roots)), "generic")
        if profile is None or candidate.chars > GENERIC_GAIN * profile.chars:
            return candidate if candidate.chars else (profile or candidate)
    return profile or Body((), Content(), "none")
