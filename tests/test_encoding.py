"""Pages are decoded by the charset they declare, legacy Arabic encodings included."""

from __future__ import annotations

from typing import Any

import pytest

from fixtures.generate import article_page
from khabar_crawler.extract import decode_html, extract_article
from khabar_crawler.items import GOLDEN_FIELDS
from tests.helpers import golden, item_dict


@pytest.mark.parametrize(
    ("charset", "content_type"),
    [
        ("windows-1256", None),  # declared by <meta charset> only
        ("windows-1256", "text/html; charset=windows-1256"),  # header and meta
        ("iso-8859-6", "text/html; charset=ISO-8859-6"),
    ],
)
def test_legacy_arabic_page_gives_the_golden_item(
    charset: str, content_type: str | None, source_articles: dict[str, Any], source_site: dict[str, Any]
) -> None:
    body = article_page(source_articles["52306"], source_site, charset=charset, jsonld=False)
    _, html = decode_html(body, content_type)
    item = item_dict(extract_article(html, golden("52306")["url"]))
    assert {f: item[f] for f in GOLDEN_FIELDS} == golden("52306")


def test_header_charset_wins_over_meta() -> None:
    body = '<html><head><meta charset="utf-8"></head><body>مرحبا</body></html>'.encode("cp1256")
    encoding, text = decode_html(body, "text/html; charset=windows-1256")
    assert (encoding, "مرحبا" in text) == ("cp1256", True)
