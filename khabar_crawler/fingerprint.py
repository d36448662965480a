"""Request fingerprints over canonical URLs, so that the duplicate filter sees variants of one
URL (tracking parameters, raw or encoded Arabic slug, http/https, fragments) as one request."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from scrapy import Request
from scrapy.utils.request import fingerprint

from khabar_crawler.urls import canonicalize_url


class CanonicalRequestFingerprinter:
    def __init__(self) -> None:
        self._cache: WeakKeyDictionary[Request, bytes] = WeakKeyDictionary()

    def fingerprint(self, request: Request) -> bytes:
        cached = self._cache.get(request)
        if cached is None:
            canonical = request.replace(url=canonicalize_url(request.url))
            cached = fingerprint(canonical)
            self._cache[request] = cached
        return cached
