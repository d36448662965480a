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
            cached = self._cache[request] = url_fingerprint(request.url, request.method, request.body)
        return cached


def url_fingerprint(url: str, method: str = "GET", body: bytes = b"") -> bytes:
    """The fingerprint of a request for ``url``, without building the request."""
    digest = hashlib.sha1(f"{method} {canonicalize_url(url)} ".encode())
    digest.update(body)
    return digest.digest()
