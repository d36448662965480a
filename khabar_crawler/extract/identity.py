"""The article's identity: the site's own post id, strongest layer first, never a date part."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from khabar_crawler.extract import jsonld, markup
from khabar_crawler.extract.layers import Candidate
from khabar_crawler.extract.page import Page

#: a path segment that is a number (optionally with a page extension): a post id when it is
#: not part of a date
_NUMERIC_SEGMENT = re.compile(r"^(\d{3,})(?:\.(?:html?|php|aspx?))?$")
_ID_IN_QUERY = re.compile(r"(?:^|[?&])p=(\d+)")


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
    found = None
    for segment in urlsplit(url).path.split("/"):
        match = _NUMERIC_SEGMENT.match(segment)
        if match and not _is_date_part(match.group(1)):
            found = match.group(1)
    return found


def _is_date_part(value: str) -> bool:
    """A year (four digits from 1900 to 2100) or a compact date (``20240513``), with or
    without a page extension (``/news/2019.html`` names a year, not an article)."""
    if len(value) == 4:
        return 1900 <= int(value) <= 2100
    return len(value) == 8 and 19000101 <= int(value) <= 21001231
