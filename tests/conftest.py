from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bench.postgres import fresh_schema
from fixtures.generate import load_articles, load_site
from khabar_crawler.extract import extract_article
from khabar_crawler.snapshot.manifest import Snapshot
from tests.helpers import POSTGRES_URL, SNAPSHOT, golden, golden_ids, item_dict, postgres_problem


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


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A schema of its own on the test PostgreSQL server, dropped afterwards (required under
    CI=true; elsewhere the test is skipped with the reason when the server is absent)."""
    problem = postgres_problem()
    if problem:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{problem}; CI must run the PostgreSQL tests")
        pytest.skip(problem)
    with fresh_schema(POSTGRES_URL, "khabar_test") as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database on each back end: a SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'khabar.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database on each back end for a module's tests that read the same crawl (a crawl
    process is the expensive part: it runs once per back end, not once per assertion)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'khabar.db'}"
        return
    with postgres_schema() as url:
        yield url
