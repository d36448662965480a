"""What is not article text, inside an article container: the page chrome that themes put
between and after the paragraphs (share bars, tag lists, next/previous teasers, reading-time
badges, login and paywall lines, "read also" links, hidden copies).

Judged on an element and its descendants inside the container only, never on the
container's ancestors. Pure: elements in, verdicts out.
"""

from __future__ import annotations

import re

from lxml import etree

from khabar_crawler.text.dates import parse_display_date

Element = etree._Element

#: class or id tokens of blocks that are never article text (matched as whole words of the
#: class/id, ``-`` and ``_`` counting as separators)
CHROME_CLASSES = re.compile(
    r"(?:^|[\s_-])(?:share|sharing|social|sharedaddy|related|ads?|advert|advertisement|adsbygoogle"
    r"|newsletter|comments?|tags-links|post-tags|author-box|breadcrumbs?|card"
    r"|tags?|tag-list|keywords|prev|previous|next|prev_next|pagination|post-navigation|nav-links"
    r"|time_to_read|reading-time|read-time|readtime|paywall|subscribe|subscription|login|signin"
    r"|byline|promo|recommended|recommendations|more-stories|outbrain|taboola|teaser|newsletter-signup"
    r"|d-none|sr-only|visually-hidden|screen-reader-text|hidden)(?:$|[\s_-])",
    re.I,
)
#: inline styles that hide an element
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
#: short lines that are site chrome in any language, by how they start: reading time,
#: "read also" teasers
_CHROME_LINE_START = re.compile(
    r"\d+\s*(?:min(?:ute)?s?|دقائق|دقيقة|dk)(?:\s+(?:read|de lecture|قراءة|okuma))?$"
    r"|(?:lire aussi|read (?:more|also)|see also|also read|related|lea también|ver también|mehr zum thema"
    r"|ayrıca bakınız|ilgili haber)\s*[:：]",
    re.I,
)
#: ... or by a phrase anywhere in them: login and paywall prompts, opinion disclaimers
_CHROME_PHRASES = re.compile(
    r"identifiez-vous|se connecter|connectez-vous|sign in|log in|subscribe now|abonnez-vous"
    r"|réservée aux abonnés|subscribers only|اشترك الآن|سجّل الدخول|سجل الدخول"
    r"|لا تعبر (?:بالضرورة )?عن رأي|do not necessarily reflect|ne reflètent pas",
    re.I,
)
#: links to a site's legal pages: a paragraph carrying one is a notice (comment policy,
#: cookie banner), not article text
_LEGAL_LINK = re.compile(r"privacy|terms|guidelines|cookie|legal|disclaimer|policy|الخصوصية|الشروط", re.I)
_DIGIT = re.compile(r"\d")
#: a line that is only a date (a dateline repeated under the headline)
DATE_LINE_MAX = 40
#: above this share of their text in links, a block is a list of links, not prose
LINK_DENSITY_MAX = 0.6
#: a line longer than this is prose even when it matches a chrome pattern
CHROME_LINE_MAX = 220


def _tokens(el: Element) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def is_hidden(el: Element) -> bool:
    """Hidden from readers: ``hidden``, ``aria-hidden``, or an inline ``display: none``."""
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def is_chrome(el: Element) -> bool:
    """A block the page's theme adds around the text (by its class or id)."""
    tokens = _tokens(el)
    return bool(tokens.strip()) and bool(CHROME_CLASSES.search(tokens))


def is_chrome_line(text: str) -> bool:
    """A short line that is chrome whatever its markup (reading time, login, paywall)."""
    if len(text) > CHROME_LINE_MAX:
        return False
    return _CHROME_LINE_START.match(text) is not None or _CHROME_PHRASES.search(text) is not None


def links_to_legal_pages(el: Element) -> bool:
    return any(_LEGAL_LINK.search(a.get("href") or "") for a in el.iter("a"))


def is_date_line(text: str) -> bool:
    """A short line that is nothing but a date (one with digits: most lines have none, and
    the check is cheap before the parse)."""
    return (
        len(text) <= DATE_LINE_MAX
        and _DIGIT.search(text) is not None
        and parse_display_date(text) is not None
    )


def link_density(el: Element, text_length: int) -> float:
    """Share of ``el``'s text that sits in links."""
    if text_length <= 0 or next(el.iter("a"), None) is None:
        return 0.0
    links = sum(len(" ".join("".join(a.itertext()).split())) for a in el.iter("a"))
    return min(1.0, links / text_length)
