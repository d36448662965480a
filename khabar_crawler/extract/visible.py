"""The generic reading of what a page shows, whatever its theme: ``<time>`` elements, dates
and bylines as visible text, and the language of the text itself.

Used after the structured layers and the site profile found nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice

from lxml import etree

from khabar_crawler.extract.page import Page
from khabar_crawler.extract.text import node_text
from khabar_crawler.text.dates import parse_display_date

Element = etree._Element

#: never the article's own date or byline
_CHROME = frozenset({"nav", "footer", "aside", "script", "style", "noscript", "template", "select"})
#: class or id fragments of an element showing the publication date
_DATE_HINTS = re.compile(r"date|time|publish|posted|stamp|stmp|meta|byline|تاريخ", re.I)
#: RDFa properties of a publication date
_RDFA_DATE = re.compile(
    r"(?:^|\s)(?:dc:date|dc:created|dcterms:created|dcterms:issued|schema:datePublished)(?:\s|$)"
)
#: a visible date is short
DATE_TEXT_MAX = 80
#: leaf elements read after the headline when looking for its date or byline
NEAR_HEADLINE = 60
#: "كتب / كتبت / بقلم X", "By X", "Par X", "Von X", "Por X"
_BYLINE = re.compile(
    r"^\s*(?:كتبت|كتبه|كتب|بقلم|إعداد|اعداد|تقرير|by|par|von|por|yazan)(?:\s*[:/|-]\s*|\s+)(?P<name>.+?)\s*$",
    re.I,
)
BYLINE_MAX_WORDS = 6
#: the Arabic script: letters of Arabic, Persian and Urdu
_ARABIC_LETTER = re.compile(r"[\u0620-\u064a\u0671-\u06d3\u06fa-\u06ff]")
_LETTER = re.compile(r"[^\W\d_]")
#: a text's script is judged on this many characters, from at least this many
SCRIPT_SAMPLE = 2000
SCRIPT_MIN_CHARS = 200
#: languages written in the Arabic script
ARABIC_SCRIPT = frozenset({"ar", "fa", "ur", "ps", "ku", "ckb", "sd", "ug"})
#: a fixed anchor for checking that a relative visible date ("منذ ساعتين") is a date at all
_ANCHOR = datetime(2000, 1, 1, tzinfo=UTC)


def _outside_chrome(el: Element) -> bool:
    """Not in the site's navigation, asides or footer (an article's own footer is its own)."""
    for ancestor in el.iterancestors():
        if ancestor.tag in _CHROME:
            return next(ancestor.iterancestors("article"), None) is not None
    return True


def time_datetime(page: Page) -> str | None:
    """The machine-readable date of the first ``<time datetime>`` or RDFa date
    (``property="dc:date" content="..."``) in the article (or the page), outside the site's
    navigation, asides and footer."""
    for scope in _scopes(page):
        for el in scope.iter():
            if el.tag == "time":
                value = (el.get("datetime") or "").strip()
            elif _RDFA_DATE.search(el.get("property") or ""):
                value = (el.get("content") or "").strip()
            else:
                continue
            if value and _outside_chrome(el):
                return value
    return None


def _scopes(page: Page) -> Iterator[Element]:
    """The article element when there is exactly one, then the whole body."""
    articles = page.tagged("article")
    if len(articles) == 1:
        yield articles[0]
    body = page.root.find("body")
    if body is not None:
        yield body


def _leaves_after_headline(page: Page) -> Iterator[Element]:
    """Up to ``NEAR_HEADLINE`` short elements after the page's first ``<h1>``, in document
    order: in the blocks that follow it, then in those that follow its parent (a headline
    wrapped in a header block)."""
    h1 = page.root.find(".//h1")
    if h1 is None:
        return
    parent = h1.getparent()
    following = [*h1.itersiblings(), *(parent.itersiblings() if parent is not None else ())]
    leaves = (leaf for block in following for leaf in block.iter() if _is_leaf(leaf))
    yield from islice(leaves, NEAR_HEADLINE)


def _is_leaf(el: Element) -> bool:
    """An element that shows a short line by itself (no child elements, or an inline one)."""
    if not isinstance(el.tag, str) or el.tag in _CHROME:
        return False
    return len(el) == 0 or el.tag in ("time", "span", "p", "a")


def is_date_text(text: str) -> bool:
    return parse_display_date(text, now=_ANCHOR) is not None


def date_text(page: Page) -> str | None:
    """A publication date as the page shows it: an element whose class says it is a date,
    else a short line near the headline that reads as a date."""
    body = page.root.find("body")
    if body is None:
        return None
    for scope in _scopes(page):
        for el in scope.iter():
            if not isinstance(el.tag, str) or not _DATE_HINTS.search(f"{el.get('class')} {el.get('id')}"):
                continue
            text = node_text(el)
            if text and len(text) <= DATE_TEXT_MAX and _outside_chrome(el) and is_date_text(text):
                return text
    for leaf in _leaves_after_headline(page):
        text = node_text(leaf)
        if text and len(text) <= DATE_TEXT_MAX and is_date_text(text):
            return text
    return None


def byline_name(text: str) -> str | None:
    """The name in a byline line ("كتب: أحمد علي" gives "أحمد علي")."""
    match = _BYLINE.match(text)
    if not match:
        return None
    name = match["name"].strip(" :/|-")
    return name if name and len(name.split()) <= BYLINE_MAX_WORDS else None


def bylines(page: Page, roots: Sequence[Element]) -> list[str]:
    """Names of bylines near the headline or at the top of the article text."""
    candidates: list[Element] = list(_leaves_after_headline(page))
    for root in roots:
        candidates.extend(el for el in root.iter("p", "span", "div", "strong", "b") if len(el) == 0)
    for el in candidates:
        text = node_text(el)
        if text and len(text) <= DATE_TEXT_MAX:
            name = byline_name(text)
            if name and not is_date_text(name):
                return [name]
    return []


def arabic_share(text: str) -> float:
    """Share of the letters of ``text`` that are of the Arabic script."""
    letters = len(_LETTER.findall(text))
    return len(_ARABIC_LETTER.findall(text)) / letters if letters else 0.0


def script_language(text: str) -> str | None:
    """``ar`` for a text mostly in the Arabic script (judged on its first
    ``SCRIPT_SAMPLE`` characters); None when the text cannot say (another script, or too
    little text)."""
    if len(text) < SCRIPT_MIN_CHARS:
        return None
    return "ar" if arabic_share(text[:SCRIPT_SAMPLE]) >= 0.5 else None
