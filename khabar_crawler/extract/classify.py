"""Is a page an article? Every sign counts, none vetoes alone."""

from __future__ import annotations

from dataclasses import dataclass

from khabar_crawler.extract import generic, jsonld, markup
from khabar_crawler.extract import meta as metas
from khabar_crawler.extract.page import Page

#: the generic reading counts as "a long text under a headline" from this many characters
LONG_TEXT = 500
#: ... or of this many paragraphs
MIN_PARAGRAPHS = 3
#: headings with links (or ``<article>`` cards) in the text read: this many make it a
#: listing of teasers, not an article
LISTING_TEASERS = 2


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
