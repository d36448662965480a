"""Home, listings, feeds, sitemaps and error pages give no item."""

from __future__ import annotations

import pytest

from khabar_crawler.extract import extract_article
from khabar_crawler.snapshot.manifest import Snapshot

NON_ARTICLES = [
    "https://khabarayn.com/",
    "https://khabarayn.com/category/asia/",
    "https://khabarayn.com/category/asia/page/2/",
    "https://khabarayn.com/category/asia/page/3/",  # saved 404 page
    "https://khabarayn.com/feed/",
    "https://khabarayn.com/sitemap_index.xml",
    "https://khabarayn.com/news-sitemap.xml",
    "https://khabarayn.com/robots.txt",
]


@pytest.mark.parametrize("url", NON_ARTICLES)
def test_no_item(url: str, snapshot: Snapshot) -> None:
    saved = snapshot.get(url)
    assert saved is not None
    assert extract_article(saved.body().decode("utf-8"), url) is None


def test_empty_document_gives_no_item() -> None:
    assert extract_article("", "https://khabarayn.com/") is None
