"""Discovery functions: sitemaps, news sitemaps, feeds and links on pages; the spider's
sitemap callback, plain or gzipped."""

from __future__ import annotations

import gzip

from scrapy.http import Response
from scrapy.utils.test import get_crawler

from khabar_crawler.extract import Page
from khabar_crawler.extract.discovery import is_crawlable, page_links, parse_feed, parse_sitemap
from khabar_crawler.snapshot.manifest import Snapshot
from khabar_crawler.spiders.khabarayn import KhabaraynSpider
from tests.helpers import golden


def test_sitemap_index_lists_sitemaps(snapshot: Snapshot) -> None:
    kind, entries = parse_sitemap(snapshot.get("https://khabarayn.com/sitemap_index.xml").body())  # type: ignore[union-attr]
    assert (kind, [e.url for e in entries]) == (
        "sitemapindex",
        ["https://khabarayn.com/post-sitemap.xml", "https://khabarayn.com/category-sitemap.xml"],
    )


def test_news_sitemap_gives_urls_and_publication_dates(snapshot: Snapshot) -> None:
    _, entries = parse_sitemap(snapshot.get("https://khabarayn.com/news-sitemap.xml").body())  # type: ignore[union-attr]
    assert {(e.url, e.published) for e in entries} == {
        (golden(aid)["url"], golden(aid)["published_at"]) for aid in ("41872", "52306")
    }


def test_feed_gives_article_links(snapshot: Snapshot) -> None:
    entries = parse_feed(snapshot.get("https://khabarayn.com/feed/").body())  # type: ignore[union-attr]
    assert {e.url for e in entries} == {golden("41872")["url"], golden("52306")["url"]}


def test_not_a_sitemap() -> None:
    assert parse_sitemap(b"<html><body>oops</body></html>") == ("", [])


def test_entities_are_not_resolved() -> None:
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&e;</loc></url></urlset>'
    )
    _, entries = parse_sitemap(evil)
    assert all("root:" not in e.url for e in entries)


def test_category_page_links_include_pagination_and_articles(snapshot: Snapshot) -> None:
    url = "https://khabarayn.com/category/asia/"
    links = page_links(Page(snapshot.get(url).body().decode(), url))  # type: ignore[union-attr]
    assert {
        golden("41872")["url"],
        golden("52306")["url"],
        "https://khabarayn.com/category/asia/page/2/",
    } <= set(links)


def test_page_links_stay_on_site_and_skip_assets(snapshot: Snapshot) -> None:
    url = golden("52306")["url"]
    links = page_links(Page(snapshot.get(url).body().decode(), url))  # type: ignore[union-attr]
    assert [u for u in links if not u.startswith("https://khabarayn.com/") or "/wp-content/" in u] == []


def test_article_links_are_canonical(snapshot: Snapshot) -> None:
    url = golden("41872")["url"]
    links = page_links(Page(snapshot.get(url).body().decode(), url))  # type: ignore[union-attr]
    expected = {link["url"] for link in golden("41872")["see_also"]} | {
        c["url"] for c in golden("41872")["related"]
    }
    assert expected <= set(links)


def test_admin_and_search_urls_are_not_crawled() -> None:
    assert [
        is_crawlable(u)
        for u in (
            "https://khabarayn.com/wp-admin/",
            "https://khabarayn.com/?s=اليابان",
            "https://khabarayn.com/wp-content/uploads/a.jpg",
            "https://khabarayn.com/news/1/x/",
        )
    ] == [False, False, False, True]


SITEMAP = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    b"<url><loc>https://khabarayn.com/news/1/a/</loc><lastmod>2026-11-20T10:00:00+00:00</lastmod></url>"
    b"<url><loc>https://khabarayn.com/news/2/b/</loc></url>"
    b"</urlset>"
)


def sitemap_requests(url: str, body: bytes) -> list[str]:
    """The URLs the spider requests from a sitemap response."""
    crawler = get_crawler(KhabaraynSpider, {"KHABARAYN_SITE_URL": "https://khabarayn.com"})
    spider = KhabaraynSpider.from_crawler(crawler)
    return [request.url for request in spider.parse_sitemap(Response(url, body=body))]


def test_a_gzipped_sitemap_is_read() -> None:
    assert sitemap_requests("https://khabarayn.com/sitemap.xml.gz", gzip.compress(SITEMAP)) == [
        "https://khabarayn.com/news/1/a/",
        "https://khabarayn.com/news/2/b/",
    ]


def test_a_gzipped_sitemap_reads_as_the_plain_one() -> None:
    plain = sitemap_requests("https://khabarayn.com/sitemap.xml", SITEMAP)
    assert sitemap_requests("https://khabarayn.com/sitemap.xml.gz", gzip.compress(SITEMAP)) == plain
