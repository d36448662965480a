"""A parsed page: the HTML parsed once, with lazily computed views the layers share."""

from __future__ import annotations

from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html
from parsel import Selector

from khabar_crawler.extract import jsonld, meta
from khabar_crawler.site import Site


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
        self.selector = Selector(text=html or "<html></html>", type="html")
        #: per-page results that several layers need (e.g. the related-news section)
        self.cache: dict[str, object] = {}

    @property
    def root(self) -> lxml_html.HtmlElement:
        root: lxml_html.HtmlElement = self.selector.root
        return root

    @cached_property
    def base_url(self) -> str:
        href = self.selector.xpath("//head/base/@href").get()
        return urljoin(self.url, href.strip()) if href else self.url

    @cached_property
    def base_origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def absolute(self, href: str | None) -> str | None:
        """Absolute URL for an href on this page (``data:`` and empty hrefs give None)."""
        if not href or not href.strip() or href.strip().lower().startswith(("data:", "javascript:")):
            return None
        return urljoin(self.base_url, href.strip())

    def site_url(self, href: str | None) -> str | None:
        """Canonical site URL for an on-site href; None for off-site or unusable hrefs."""
        href = (href or "").strip()
        if not href or href.lower().startswith(("data:", "javascript:")):
            return None
        if href.startswith(("https://", "http://")):
            absolute = href
        elif href.startswith("/") and not href.startswith("//"):
            absolute = self.base_origin + href  # root-relative: the most common link
        else:
            absolute = urljoin(self.base_url, href)
        return _site_url(self.site, absolute)

    @cached_property
    def jsonld_nodes(self) -> list[dict[str, Any]]:
        return jsonld.parse_nodes(self.selector)

    @cached_property
    def metas(self) -> dict[str, list[str]]:
        return meta.parse_metas(self.selector)
