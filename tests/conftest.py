from __future__ import annotations

from typing import Any

import pytest

from fixtures.generate import load_articles, load_site
from khabar_crawler.extract import extract_article
from khabar_crawler.snapshot import Snapshot
from tests.helpers import SNAPSHOT, golden, golden_ids, item_dict


@pytest.fixture(scope="session")
def snapshot() -> Snapshot:
    return Snapshot(SNAPSHOT)


@pytest.fixture(scope="session")
def source_articles() -> dict[str, dict[str, Any]]:
    return load_articles()


@pytest.fixture(scope="session")
def source_site() -> dict[str, Any]:
    return load_site()


@pytest.fixture(scope="session")
def saved_html(snapshot: Snapshot) -> dict[str, str]:
    """The saved page of each golden article, by article id."""
    pages = {}
    for article_id in golden_ids():
        saved = snapshot.get(golden(article_id)["url"])
        assert saved is not None, f"article {article_id} is not in the snapshot"
        pages[article_id] = saved.body().decode("utf-8")
    return pages


@pytest.fixture(scope="session")
def extracted(saved_html: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Items extracted from the saved pages, by article id."""
    return {aid: item_dict(extract_article(html, golden(aid)["url"])) for aid, html in saved_html.items()}
