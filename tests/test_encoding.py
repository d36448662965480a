"""Pages are decoded as browsers survive them: by the charset they declare, legacy Arabic
encodings included, unless the bytes contradict the declaration."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from fixtures.generate import article_page
from khabar_crawler.extract import decode_html, extract_article
from khabar_crawler.extract.encoding import Decoded, decode_page
from khabar_crawler.items import GOLDEN_FIELDS
from tests.helpers import golden, item_dict

UTF8 = "text/html; charset=utf-8"
LATIN1 = "text/html; charset=iso-8859-1"
CP1256 = "text/html; charset=windows-1256"

#: What replacement and classic mojibake look like: UTF-8's "ال" read as cp1252/latin-1 or as
#: windows-1256, "é" read as cp1252, and the replacement character itself.
DAMAGE = ("\ufffd", "Ø§", "Ù„", "Ù\x84", "ط§", "ظ„", "Ã©")


def page(source_articles: dict[str, Any], source_site: dict[str, Any], charset: str) -> bytes:
    return article_page(source_articles["52306"], source_site, charset=charset, jsonld=False)


def without_meta_charset(body: bytes) -> bytes:
    stripped, count = re.subn(rb"<meta charset=\"[^\"]*\">", b"", body)
    assert count == 1
    return stripped


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


def test_normal_page_is_decoded_as_declared(
    source_articles: dict[str, Any], source_site: dict[str, Any]
) -> None:
    body = page(source_articles, source_site, "utf-8")
    assert decode_page(body, UTF8) == Decoded("utf-8", body.decode("utf-8"), "declared")


@pytest.mark.parametrize("content_type", [UTF8, LATIN1])
def test_wrong_header_falls_back_to_the_meta_charset(
    content_type: str, source_articles: dict[str, Any], source_site: dict[str, Any]
) -> None:
    body = page(source_articles, source_site, "windows-1256")
    assert decode_page(body, content_type) == Decoded("cp1256", body.decode("cp1256"), "meta")


@pytest.mark.parametrize("content_type", [UTF8, LATIN1, None])
@pytest.mark.parametrize("charset", ["windows-1256", "iso-8859-6"])
def test_wrong_or_no_header_without_meta_falls_back_to_detection(
    charset: str, content_type: str | None, source_articles: dict[str, Any], source_site: dict[str, Any]
) -> None:
    body = without_meta_charset(page(source_articles, source_site, charset))
    decoded = decode_page(body, content_type)
    assert (decoded.text, decoded.source) == (body.decode(charset), "detected")


@pytest.mark.parametrize("charset", ["windows-1256", "iso-8859-6"])
def test_detection_reads_the_text_not_the_markup(
    charset: str, source_articles: dict[str, Any], source_site: dict[str, Any]
) -> None:
    """Cut anywhere (every 512 bytes here), a page holds more or less markup: detection over
    its text nodes finds the charset at every cut, charset-normalizer given the raw bytes
    misses some."""
    body = without_meta_charset(page(source_articles, source_site, charset))
    cuts = range(512, len(body), 512)
    assert [cut for cut in cuts if decode_page(body[:cut], UTF8).text != body[:cut].decode(charset)] == []


@pytest.mark.parametrize("content_type", [LATIN1, CP1256, "text/html; charset=utf-16"])
def test_valid_utf8_wins_over_a_header_that_decodes_it_into_mojibake(
    content_type: str, source_articles: dict[str, Any], source_site: dict[str, Any]
) -> None:
    body = page(source_articles, source_site, "utf-8")
    assert decode_page(body, content_type) == Decoded("utf-8", body.decode("utf-8"), "meta")


def test_valid_utf8_without_meta_is_detected(
    source_articles: dict[str, Any], source_site: dict[str, Any]
) -> None:
    body = without_meta_charset(page(source_articles, source_site, "utf-8"))
    assert decode_page(body, LATIN1) == Decoded("utf-8", body.decode("utf-8"), "detected")


def test_latin_utf8_under_a_latin1_header_is_utf8() -> None:
    body = "<p>Le café où l’on déjeune à Doha</p>".encode()
    assert decode_page(body, LATIN1).text == body.decode("utf-8")


def test_latin_page_keeps_its_latin1_header() -> None:
    body = "<p>Le président a déclaré à la presse que l’économie était fragile.</p>".encode("cp1252")
    assert decode_page(body, LATIN1) == Decoded("cp1252", body.decode("cp1252"), "declared")


def test_ascii_page_keeps_its_declared_legacy_charset() -> None:
    assert decode_page(b"<p>plain ASCII</p>", CP1256).encoding == "cp1256"


@pytest.mark.parametrize("where", [b"<body", b"</body>"])
def test_a_utf8_snippet_in_a_legacy_page_does_not_make_it_utf8(
    where: bytes, source_articles: dict[str, Any], source_site: dict[str, Any]
) -> None:
    body = page(source_articles, source_site, "windows-1256")
    body = body.replace(where, "<p>إعلان</p>".encode() + where)
    assert decode_page(body, CP1256).encoding == "cp1256"


@pytest.mark.parametrize(
    ("charset", "content_type", "meta"),
    [
        ("windows-1256", UTF8, True),
        ("windows-1256", UTF8, False),
        ("windows-1256", LATIN1, True),
        ("windows-1256", LATIN1, False),
        ("iso-8859-6", UTF8, False),
        ("utf-8", LATIN1, True),
        ("utf-8", LATIN1, False),
        ("utf-8", CP1256, False),
        ("utf-8", None, False),
    ],
)
def test_no_replacement_characters_or_mojibake_after_a_fallback(
    charset: str,
    content_type: str | None,
    meta: bool,
    source_articles: dict[str, Any],
    source_site: dict[str, Any],
) -> None:
    body = page(source_articles, source_site, charset)
    text = decode_page(body if meta else without_meta_charset(body), content_type).text
    assert [damage for damage in DAMAGE if damage in text] == []


def test_utf8_cut_mid_character_drops_the_partial_character() -> None:
    body = "<p>مرحبا</p>".encode()[:-5]  # "</p>" and the last byte of "ا"
    assert decode_page(body, UTF8) == Decoded("utf-8", "<p>مرحب", "declared")


@pytest.mark.parametrize("where", [b"<title>", b"</body>"])
def test_mostly_utf8_page_with_a_damaged_byte_is_utf8_with_one_replacement(
    where: bytes, source_articles: dict[str, Any], source_site: dict[str, Any]
) -> None:
    body = page(source_articles, source_site, "utf-8").replace(where, where + b"\xff")
    decoded = decode_page(body, CP1256)
    assert (decoded.encoding, decoded.source, decoded.text.count("\ufffd")) == ("utf-8", "replaced", 1)


@pytest.mark.parametrize("content_type", [None, UTF8, "text/html; charset=nonsense"])
def test_garbage_bytes_are_replaced_without_an_exception(content_type: str | None) -> None:
    garbage = random.Random(1256).randbytes(4096)
    assert decode_page(garbage, content_type).source == "replaced"


def test_byte_order_mark_wins_over_the_header() -> None:
    body = "\ufeff<p>مرحبا</p>".encode()
    assert decode_page(body, CP1256) == Decoded("utf-8", "<p>مرحبا</p>", "declared")


def test_decode_html_is_decode_page_without_the_source() -> None:
    body = "<p>مرحبا</p>".encode("cp1256")
    assert decode_html(body, CP1256) == ("cp1256", "<p>مرحبا</p>")
