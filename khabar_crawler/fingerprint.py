"""Request fingerprints over canonical URLs, so that the duplicate filter sees variants of one
URL (tracking parameters, raw or encoded Arabic slug, http/https, fragments) as one request:
SHA-1 of the method, the canonical URL and the body."""

from __future__ import annotations

import hashlib
from weakref import WeakKeyDictionary

from scrapy import Request

from khabar_crawler.urls import canonicalize_url


class CanonicalRequestFingerprinter:
    def __init__(self) -> None:
        self._cache: WeakKeyDictionary[Request, bytes] = WeakKeyDictionary()

    def fingerprint(self, request: Request) -> bytes:
        cached = self._cache.get(request)
        if cached is None:
            digest = hashlib.sha1(f"{request.method} {canonicalize_url(request.url)} ".encode())
            digest.update(request.body or b"")
            cached = digest.digest()
            self._cache[request] = cached
        return cached
