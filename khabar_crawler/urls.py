"""URL canonicalisation: the one function used for requests, items and deduplication.

The canonical form of a URL is absolute, https, lower-case host without default port, no
fragment, no tracking parameters, remaining query arguments sorted, path percent-encoded as
UTF-8 with upper-case escapes (so a raw Arabic slug and its percent-encoded form are equal),
and AMP variants (``/amp/`` path suffix, ``amp`` query argument) mapped to the article.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as _w3lib_canonicalize

#: Query arguments that only track a visit and never select content.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ocid",
        "amp",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
_AMP_SUFFIX = re.compile(r"/amp/?$")


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


#: URLs that are canonical as they stand: https, lower-case host without port, a plain path
#: (ASCII letters, digits, ``-._~/``, no escapes, no dot segments, no AMP suffix), no query
#: or fragment. Most links of a site look like this; checking is far cheaper than rebuilding.
_ALREADY_CANONICAL = re.compile(
    r"https://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?:/(?!\.)[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*/?"
)


def _is_canonical(url: str) -> bool:
    return _ALREADY_CANONICAL.fullmatch(url) is not None and not _AMP_SUFFIX.search(url)


@lru_cache(maxsize=8192)
def canonicalize_url(url: str, base: str | None = None) -> str:
    """Return the canonical form of ``url`` (resolved against ``base`` when relative)."""
    absolute = urljoin(base, url.strip()) if base else url.strip()
    plain = _without_tracking_query(absolute)
    if _is_canonical(plain):
        return plain if "/" in plain[8:] else plain + "/"
    return _canonicalize(absolute)


def _without_tracking_query(url: str) -> str:
    """The URL without its query when every argument of the query only tracks the visit."""
    head, sep, query = url.partition("?")
    if not sep or "#" in query:
        return url
    names = (argument.partition("=")[0] for argument in query.split("&"))
    return head if all(name and is_tracking_param(name) for name in names) else url


def _canonicalize(absolute: str) -> str:
    parts = urlsplit(_w3lib_canonicalize(absolute, keep_fragments=False))
    if parts.scheme not in ("http", "https"):
        return parts.geturl()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = _AMP_SUFFIX.sub("/", parts.path) or "/"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)]
    )
    return urlunsplit(("https", netloc, path, query, ""))


def same_origin(url: str, origin: str) -> bool:
    """True when ``url`` lies under ``origin`` (scheme-insensitive, case-insensitive host)."""
    a, b = urlsplit(url), urlsplit(origin)
    return (a.hostname or "").lower() == (b.hostname or "").lower() and a.port == b.port
