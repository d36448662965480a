"""Decode page bodies by the charset they declare (HTTP header, BOM, then ``<meta>``)."""

from __future__ import annotations

from w3lib.encoding import html_to_unicode


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return ``(encoding, text)``; legacy Arabic charsets (windows-1256, iso-8859-6) included.

    The same rules as Scrapy's ``TextResponse``: the ``Content-Type`` header's charset, a byte
    order mark, the page's ``<meta charset>``/``http-equiv`` declaration, then detection.
    """
    encoding, text = html_to_unicode(content_type, body)
    return encoding, text
