"""Discovery: where the article URLs are (robots.txt, sitemaps, feeds, links on pages).

Pure functions over bodies; the spider turns their output into requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from lxml import etree

from khabar_crawler.extract.page import Page
from khabar_crawler.extract.xpath import xpath

#: On-site paths that never lead to articles or listings.
DENY_PATHS = re.compile(
    r"^/(?:wp-admin|wp-login\.php|wp-json|xmlrpc\.php|wp-content|wp-includes|cdn-cgi)(?:/|$)"
    r"|/(?:feed|amp|embed|trackback|comment-page-\d+)/?$",
    re.I,
)
DENY_QUERY = re.compile(r"(?:^|&)(?:s|replytocom|share|print|output|preview|attachment_id)=", re.I)
#: extensions of files that are not pages (the list Scrapy's link extractors ignore, kept here
#: so that extraction stays free of Scrapy)
IGNORED_EXTENSIONS = [
    "7z",
    "7zip",
    "bz2",
    "rar",
    "tar",
    "tar.gz",
    "xz",
    "zip",
    "mng",
    "pct",
    "bmp",
    "gif",
    "jpg",
    "jpeg",
    "png",
    "pst",
    "psp",
    "tif",
    "tiff",
    "ai",
    "drw",
    "dxf",
    "eps",
    "ps",
    "svg",
    "cdr",
    "ico",
    "webp",
    "mp3",
    "wma",
    "ogg",
    "wav",
    "ra",
    "aac",
    "mid",
    "au",
    "aiff",
    "3gp",
    "asf",
    "asx",
    "avi",
    "mov",
    "mp4",
    "mpg",
    "qt",
    "rm",
    "swf",
    "wmv",
    "m4a",
    "m4v",
    "flv",
    "webm",
    "xls",
    "xlsm",
    "xlsx",
    "xltm",
    "xltx",
    "potm",
    "potx",
    "ppt",
    "pptm",
    "pptx",
    "pps",
    "doc",
    "docb",
    "docm",
    "docx",
    "dotm",
    "dotx",
    "odt",
    "ods",
    "odg",
    "odp",
    "css",
    "pdf",
    "exe",
    "bin",
    "rss",
    "dmg",
    "iso",
    "apk",
    "jar",
    "sh",
    "rb",
    "js",
    "hta",
    "bat",
    "cpl",
    "msi",
    "msp",
    "py",
]
#: paths of files that are not pages
_ASSET_SUFFIX = re.compile(
    r"\.(?:" + "|".join(sorted(map(re.escape, IGNORED_EXTENSIONS), key=len, reverse=True)) + r")$", re.I
)


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    lastmod: str | None = None
    published: str | None = None


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(recover=True, remove_comments=True, resolve_entities=False, no_network=True)


def parse_sitemap(body: bytes) -> tuple[str, list[SitemapEntry]]:
    """``("sitemapindex" | "urlset" | "", entries)`` of a sitemap body (news dates included)."""
    root = etree.fromstring(body.strip() or b"<x/>", parser=_parser()) if body.strip() else None
    if root is None:
        return "", []
    kind = _local(root.tag).lower()
    if kind not in ("sitemapindex", "urlset"):
        return "", []
    entries = []
    for node in root:
        fields: dict[str, str] = {}
        for child in node.iter():
            name = _local(child.tag)
            if name and child.text and child.text.strip() and name not in fields:
                fields[name] = child.text.strip()
        if fields.get("loc"):
            entries.append(SitemapEntry(fields["loc"], fields.get("lastmod"), fields.get("publication_date")))
    return kind, entries


def parse_feed(body: bytes) -> list[SitemapEntry]:
    """Article links of an RSS 2.0 or Atom feed, with their publication dates."""
    if not body.strip():
        return []
    root = etree.fromstring(body.strip(), parser=_parser())
    if root is None:
        return []
    entries = []
    for item in root.iter():
        name = _local(item.tag)
        if name not in ("item", "entry"):
            continue
        link = published = None
        for child in item:
            child_name = _local(child.tag)
            if child_name == "link":
                link = (child.get("href") or child.text or "").strip() or link
            elif child_name in ("pubDate", "published", "date", "updated") and child.text:
                published = published or child.text.strip()
        if link:
            entries.append(SitemapEntry(link, published=published))
    return entries


@lru_cache(maxsize=8192)
def is_crawlable(url: str) -> bool:
    """False for admin, asset, feed, AMP, search and share URLs of the site."""
    parts = urlsplit(url)
    if DENY_PATHS.search(parts.path) or DENY_QUERY.search(parts.query):
        return False
    return not _ASSET_SUFFIX.search(parts.path)


def page_links(page: Page) -> list[str]:
    """Canonical on-site URLs linked from an HTML page (articles, listings, pagination),
    in document order, without duplicates; ``rel=next`` included."""
    hrefs = xpath(
        page.root,
        '//body//a[not(contains(concat(" ", normalize-space(@rel), " "), " nofollow "))]/@href'
        ' | //head/link[@rel="next"]/@href',
    )
    links: list[str] = []
    seen: set[str] = set()
    for href in hrefs:
        url = page.site_url(href)
        if url and url not in seen and is_crawlable(url):
            seen.add(url)
            links.append(url)
    return links
