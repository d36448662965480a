"""Where the site lives and where it is fetched from.

``origin`` is the site's public origin (``KHABARAYN_SITE_URL``): every URL in an item is on
it. ``base`` is where pages are fetched (``KHABARAYN_BASE_URL``, by default the origin): a
mirror, a staging copy or a local test server. Links found on pages are mapped back to the
origin before they are canonicalised, and forward to the base before they are fetched, so a
crawl of a mirror yields the same items as a crawl of the site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from khabar_crawler.urls import canonicalize_url, same_origin

if TYPE_CHECKING:  # extract/ and text/ load no Scrapy
    from scrapy.settings import BaseSettings

DEFAULT_SITE_URL = "https://khabarayn.com"
DEFAULT_SITE_NAME = "خَبَرَيْن"
#: the site's categories by the slug of their listing (``/category/<slug>/``), as its menu and
#: breadcrumbs name them: the analysts' filters take either (``--category asia``)
CATEGORY_SLUGS = {
    "asia": "آسيا",
    "business": "أعمال",
    "economy": "اقتصاد",
    "entertainment": "تسلية",
    "health": "صحة",
    "news": "أخبار",
    "politics": "سياسة",
    "sports": "رياضة",
    "technology": "تكنولوجيا",
    "world": "العالم",
}
_DIACRITICS = "[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]*"


#: what may follow an origin in a URL on that origin (port and user info make a longer netloc)
_AFTER_ORIGIN = ("", "/", "?", "#")


def _origin(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) origin: {url!r}")
    return urlunsplit((parts.scheme, parts.netloc.lower(), "", "", ""))


@dataclass(frozen=True)
class Site:
    origin: str = DEFAULT_SITE_URL
    base: str = DEFAULT_SITE_URL
    name: str = DEFAULT_SITE_NAME
    #: other spellings of the site's name, for sign-offs and title suffixes
    aliases: tuple[str, ...] = ("خبرين", "khabarayn")

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Site:
        origin = _origin(settings.get("KHABARAYN_SITE_URL") or DEFAULT_SITE_URL)
        base = _origin(settings.get("KHABARAYN_BASE_URL") or origin)
        name = settings.get("KHABARAYN_SITE_NAME") or DEFAULT_SITE_NAME
        return cls(origin=origin, base=base, name=name)

    @property
    def domains(self) -> list[str]:
        hosts = {urlsplit(self.origin).hostname or "", urlsplit(self.base).hostname or ""}
        return sorted(h for h in hosts if h)

    def is_on_site(self, url: str) -> bool:
        # most links start with the origin itself ("https://khabarayn.com/..."): no parsing
        end = len(self.origin)
        if url.startswith(self.origin) and url[end : end + 1] in _AFTER_ORIGIN:
            return True
        host = (urlsplit(url).hostname or "").lower()
        site_host = (urlsplit(self.origin).hostname or "").lower()
        return host == site_host or host.endswith("." + site_host) or same_origin(url, self.base)

    def to_site_url(self, url: str) -> str:
        """Canonical URL on the site's origin for a URL seen while crawling (base or origin)."""
        return canonicalize_url(self.on_origin(url))

    def on_origin(self, url: str) -> str:
        """The same URL on the site's origin when it is on the base (not canonicalised)."""
        if self.base != self.origin and same_origin(url, self.base):
            parts = urlsplit(url)
            return urlunsplit(urlsplit(self.origin)[:2] + parts[2:])
        return url

    def to_fetch_url(self, url: str) -> str:
        """The URL to request for a site URL: the same path on the base."""
        if self.base != self.origin and self.is_on_site(url) and not same_origin(url, self.base):
            parts = urlsplit(url)
            return urlunsplit(urlsplit(self.base)[:2] + parts[2:])
        return url

    def name_pattern(self) -> str:
        """A regex matching the site's name with or without tashkeel, or any alias."""
        return _name_pattern((self.name, *self.aliases))


def name_pattern_of(site: Site, others: tuple[str, ...]) -> str:
    """A regex matching the site's names or ``others`` (the names a page gives its own site)."""
    return _name_pattern((site.name, *site.aliases, *others)) if others else site.name_pattern()


@lru_cache(maxsize=1024)
def _name_pattern(names: tuple[str, ...]) -> str:
    """Built once per set of names: every article page asks for it."""
    alternatives = []
    for name in names:
        bare = re.sub(_DIACRITICS, "", name)
        if not bare.strip():
            continue
        alternatives.append("".join(re.escape(ch) + _DIACRITICS for ch in bare))
    return "(?:" + "|".join(alternatives) + ")"
