"""The spider's page callback on responses of its own making: what the coverage alarm counts,
bytes that decode in no charset, discovery's dates filling in."""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from khabar_crawler.items import ArticleItem
from khabar_crawler.spiders.khabarayn import KhabaraynSpider

URL = "https://khabarayn.com/news/90210/x/"
PARAGRAPHS = "".join(
    f"<p>فقرة رقم {n} من نص الخبر، وفيها ما يكفي من الكلام ليعد نصا من نصوص المقال.</p>" for n in range(4)
)


def parse(html: bytes, content_type: str = "text/html; charset=utf-8", **meta: Any) -> tuple[list[Any], Any]:
    crawler = get_crawler(KhabaraynSpider)
    spider = KhabaraynSpider.from_crawler(crawler)
    crawler.spider = spider
    assert crawler.stats is not None
    crawler.stats.open_spider()
    response = HtmlResponse(
        URL, body=html, headers={"Content-Type": content_type}, request=Request(URL, meta=meta)
    )
    # the item comes first; the links after it need a running engine's duplicate filter
    results = spider.parse_page(response)
    return [next(results)], crawler.stats


def article(date_line: str, extra: str = "") -> bytes:
    return (
        '<html lang="ar"><head><meta charset="utf-8"><meta property="og:type" content="article">'
        f"</head><body><article><h1>عنوان الخبر</h1><span class='entry-date'>{date_line}</span>"
        f"<div class='entry-content'>{PARAGRAPHS}{extra}</div></article></body></html>"
    ).encode()


def items(results: list[Any]) -> list[ArticleItem]:
    return [r for r in results if isinstance(r, ArticleItem)]


def test_a_visible_date_that_reads_counts_for_coverage() -> None:
    _, stats = parse(article("الجمعة 8 فيفري 2019"))
    assert stats.get_value("khabar/coverage/published_at") == 1


def test_a_date_text_that_does_not_read_is_no_coverage() -> None:
    """Kept as raw text, but the coverage alarm must hear of it."""
    results, stats = parse(article("تاريخ النشر: الجمعة"))
    assert (items(results)[0].published_at_raw, stats.get_value("khabar/coverage/published_at")) == (
        "تاريخ النشر: الجمعة",
        None,
    )


def test_bytes_no_charset_decodes_are_left_out_not_stored_as_replacement_characters() -> None:
    broken = article("الجمعة 8 فيفري 2019", extra="<p>نص \xff\xfe تالف</p>").replace(
        b"\xc3\xbf\xc3\xbe", b"\xff\xfe"
    )
    results, stats = parse(broken)
    body = items(results)[0].body
    assert ("\ufffd" in body, stats.get_value("khabar/extract/encoding/replaced")) == (False, 1)


def test_a_news_sitemap_date_fills_in_a_page_without_one() -> None:
    results, _ = parse(article(""), published_hint="2024-07-18T10:40:00+00:00")
    item = items(results)[0]
    assert (item.published_at, item.field_layers["published_at"]) == (
        "2024-07-18T10:40:00+00:00",
        "discovery",
    )


def test_a_sitemap_lastmod_does_not_override_a_date_the_page_shows() -> None:
    results, _ = parse(article("الجمعة 8 فيفري 2019"), lastmod="2024-07-18T10:40:00+00:00")
    assert items(results)[0].published_at is None  # the page's own date, parsed by the clean pipeline


def test_the_sign_that_told_an_article_is_counted() -> None:
    _, stats = parse(article("الجمعة 8 فيفري 2019"))
    assert stats.get_value("khabar/extract/sign/og:type") == 1
