"""A parsed page: the HTML parsed once, with lazily computed views the layers share."""

from __future__ import annotations

from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from khabar_crawler.extract import jsonld, meta, microdata
from khabar_crawler.extract.xpath import xpath
from khabar_crawler.site import Site


def parse_html(html: str) -> etree._Element:
    """The document tree of ``html``, parsed as parsel parses it (recovering from broken
    markup, NUL characters dropped, an empty page giving ``<html/>``) but into plain lxml
    elements: ``lxml.html`` looks up a Python element class for every element it hands out,
    which costs more than most of the queries run on a page."""
    body = html.strip().replace("\x00", "").encode("utf-8") if html else b""
    parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    root = etree.fromstring(body, parser=parser) if body else None
    if root is None:
        root = etree.fromstring(b"<html/>", parser=parser)
    return root


#: Tags gathered in one pass over the document: the head's metadata and the article elements
#: are looked up by several layers, and one pass costs less than an XPath search for each.
INDEXED_TAGS = ("article", "base", "link", "meta", "script")


@lru_cache(maxsize=8192)
def _site_url(site: Site, absolute: str) -> str | None:
    """Pages of a site link to the same URLs over and over (navigation, footers, cards)."""
    if not absolute.startswith(("http://", "https://")) or not site.is_on_site(absolute):
        return None
    return site.to_site_url(absolute)


class Page:
    def __init__(self, html: str, url: str, site: Site | None = None) -> None:
        self.url = url
        self.site = site or Site()
        self.root = parse_html(html)
        #: per-page results that several layers need (e.g. the related-news section)
        self.cache: dict[str, object] = {}

    @cached_property
    def _tagged(self) -> dict[str, list[etree._Element]]:
        index: dict[str, list[etree._Element]] = {tag: [] for tag in INDEXED_TAGS}
        for el in self.root.iter(*INDEXED_TAGS):
            if isinstance(el.tag, str):
                index[el.tag].append(el)
        return index

    def tagged(self, tag: str) -> list[etree._Element]:
        """The page's elements named ``tag`` (one of ``INDEXED_TAGS``), in document order."""
        return self._tagged[tag]

    @cached_property
    def base_url(self) -> str:
        for base in self.tagged("base"):
            parent, href = base.getparent(), base.get("href")
            if parent is not None and parent.tag == "head" and href is not None:
                return urljoin(self.url, href.strip()) if href.strip() else self.url
        return self.url

    @cached_property
    def base_origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def absolute(self, href: str | None) -> str | None:
        """Absolute URL for an href on this page (``data:``, ``javascript:`` and empty hrefs
        give None)."""
        href = (href or "").strip()
        if not href or href.lower().startswith(("data:", "javascript:")):
            return None
        if "/." not in href:  # no dot segments to resolve: the common forms need no urljoin
            if href.startswith(("https://", "http://")):
                return href
            if href.startswith("/") and not href.startswith("//"):
                return self.base_origin + href  # root-relative: the most common link
        return urljoin(self.base_url, href)

    def site_url(self, href: str | None) -> str | None:
        """Canonical site URL for an on-site href; None for off-site or unusable hrefs."""
        absolute = self.absolute(href)
        return _site_url(self.site, absolute) if absolute else None

    @cached_property
    def jsonld_nodes(self) -> list[dict[str, Any]]:
        return jsonld.parse_nodes(self.tagged("script"))

    @cached_property
    def metas(self) -> dict[str, list[str]]:
        return meta.parse_metas(self.tagged("meta"))

    @cached_property
    def microdata(self) -> microdata.Microdata:
        return microdata.parse(self.root, xpath(self.root, "//*[@itemscope][@itemtype]"))
