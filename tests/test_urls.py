"""One canonicalisation for requests, items and deduplication."""

from __future__ import annotations

import pytest

from khabar_crawler.site import Site
from khabar_crawler.urls import _canonicalize, canonicalize_url

ARTICLE = "https://khabarayn.com/news/41872/%D8%AA%D8%B9%D8%A7%D9%88%D9%86-%D8%AF%D9%81%D8%A7%D8%B9%D9%8A/"

CASES = [
    ("raw Arabic slug", "https://khabarayn.com/news/41872/تعاون-دفاعي/", ARTICLE),
    ("lower-case escapes", ARTICLE.lower(), ARTICLE),
    ("http", ARTICLE.replace("https:", "http:"), ARTICLE),
    ("host case", ARTICLE.replace("khabarayn.com", "KhabarAyn.COM"), ARTICLE),
    ("default port", ARTICLE.replace("khabarayn.com", "khabarayn.com:443"), ARTICLE),
    ("fragment", ARTICLE + "#comments", ARTICLE),
    ("utm", ARTICLE + "?utm_source=fb&utm_medium=social&utm_campaign=x", ARTICLE),
    ("click ids", ARTICLE + "?fbclid=IwAR0&gclid=abc&msclkid=1", ARTICLE),
    ("amp path", ARTICLE + "amp/", ARTICLE),
    ("amp query", ARTICLE + "?amp=1", ARTICLE),
    ("kept query sorted", "https://khabarayn.com/?s=x&p=5&utm_term=y", "https://khabarayn.com/?p=5&s=x"),
    ("empty path", "https://khabarayn.com", "https://khabarayn.com/"),
]


@pytest.mark.parametrize(("case", "url", "expected"), CASES, ids=[c[0] for c in CASES])
def test_canonicalize(case: str, url: str, expected: str) -> None:
    assert canonicalize_url(url) == expected


PLAIN = [
    "https://khabarayn.com",
    "https://khabarayn.com/news/41872/x-y/",
    "https://khabarayn.com/news/1/a.b/",
    "https://khabarayn.com/news/./a/",
    "https://khabarayn.com/a/../b/",
    "https://khabarayn.com/a//b/",
    "https://khabarayn.com/news/x/amp",
    "https://khabarayn.com/.hidden",
    "https://khabarayn.com/a~b_c",
    "https://sub.khabarayn.com/a-b/c",
    "https://khabarayn.com/news/1/x/?utm_source=related",
    "https://khabarayn.com/news/1/x/?utm_source=related&fbclid=1",
    "https://khabarayn.com/news/1/x/?utm_source=a&p=2",
    "https://khabarayn.com/news/1/x/?utm_source=a#c",
    "https://khabarayn.com/news/1/x/?=a",
    "https://khabarayn.com/news/1/x/?",
]


@pytest.mark.parametrize("url", PLAIN)
def test_plain_urls_take_the_short_path_to_the_same_form(url: str) -> None:
    assert canonicalize_url(url) == _canonicalize(url)


def test_relative_url_resolves_against_base() -> None:
    assert canonicalize_url("../41872/تعاون-دفاعي/", "https://khabarayn.com/news/1/x") == ARTICLE


def test_mirror_urls_map_to_the_site() -> None:
    site = Site(base="http://127.0.0.1:8123")
    assert site.to_site_url("http://127.0.0.1:8123/news/41872/تعاون-دفاعي/?utm_source=x") == ARTICLE


def test_site_urls_are_fetched_from_the_mirror() -> None:
    site = Site(base="http://127.0.0.1:8123")
    assert site.to_fetch_url(ARTICLE) == ARTICLE.replace("https://khabarayn.com", "http://127.0.0.1:8123")


def test_off_site_urls_are_not_mapped() -> None:
    site = Site(base="http://127.0.0.1:8123")
    assert site.to_fetch_url("https://example.org/x") == "https://example.org/x"


ON_SITE = [
    ("https://khabarayn.com/news/1/x/", True),
    ("https://khabarayn.com", True),
    ("https://khabarayn.com?page=2", True),
    ("https://KHABARAYN.com/news/1/x/", True),
    ("https://www.khabarayn.com/news/1/x/", True),
    ("http://khabarayn.com/news/1/x/", True),
    ("https://khabarayn.com.evil.example/news/1/x/", False),
    ("https://khabarayn.community/news/", False),
    ("https://khabarayn.com:8443/news/", True),  # the host decides, as for http
    ("https://example.com/https://khabarayn.com/", False),
]


@pytest.mark.parametrize(("url", "expected"), ON_SITE)
def test_is_on_site(url: str, expected: bool) -> None:
    assert Site().is_on_site(url) is expected
