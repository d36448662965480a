"""A live synthetic site on loopback, for crawls of real processes against a real HTTP server.

    from tests.live_site import LiveSite, live_site, site_figures  # noqa: F401  (the fixture)

    def test_something(tmp_path: Path, live_site: LiveSite, db_url: str) -> None:  # noqa: F811
        done = crawl_process(tmp_path, settings=live_site.settings(db_url))
        assert site_figures(db_url, live_site).stored == live_site.count

The site is a synthetic snapshot of :data:`ARTICLES` articles (``bench/snapshot.py``: listing
pages, sitemaps, a feed and robots.txt that reach every article), built once a session and
served by :class:`~khabar_crawler.snapshot.serve.SnapshotServer` (ETags, 304 answers) in a
thread. :func:`site_figures` reads what a database holds of it: the articles stored, their
duplicates, and the page states of its article pages that have no article (orphans).
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from bench.schedule import LOCAL_CRAWL  # settings for a crawl of a server on loopback
from bench.snapshot import build
from khabar_crawler.db.models import Article, ArticleUrl, PageState
from khabar_crawler.site import DEFAULT_SITE_URL
from khabar_crawler.snapshot.manifest import Snapshot
from khabar_crawler.snapshot.serve import SnapshotHandler, SnapshotServer
from tests.pipeline_run import rows

#: articles of the test site: a crawl of it takes seconds on two cores, not minutes
ARTICLES = 300
SEED = 2024
#: an article page's path, and its article id
ARTICLE_PATH = re.compile(r"^/news/(\d+)/[^/]+/$")


def article_paths(directory: Path) -> frozenset[str]:
    """The paths of the article pages of a snapshot (from its manifest)."""
    manifest = json.loads((directory / "manifest.json").read_text("utf-8"))
    paths = (urlsplit(entry["url"]).path for entry in manifest)
    return frozenset(path for path in paths if ARTICLE_PATH.match(path))


class CountingHandler(SnapshotHandler):
    server: QuietServer

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        super().do_GET()
        if ARTICLE_PATH.match(urlsplit(self.path).path):
            with self.server.lock:
                self.server.article_requests += 1


class QuietServer(SnapshotServer):
    """A snapshot server that counts the requests for article pages it answered, and says
    nothing of clients gone mid-request (a crawl killed)."""

    def __init__(self, snapshot: Snapshot, origin: str, address: tuple[str, int]) -> None:
        super().__init__(snapshot, origin, address)
        self.RequestHandlerClass = CountingHandler
        self.lock = threading.Lock()
        self.article_requests = 0

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class LiveSite:
    """A snapshot directory served on 127.0.0.1 (a port of its own)."""

    directory: Path
    server: QuietServer = field(init=False)
    #: the paths of its article pages
    paths: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self.paths = article_paths(self.directory)
        self.server = QuietServer(Snapshot(self.directory), DEFAULT_SITE_URL, ("127.0.0.1", 0))
        self.server.start()

    @property
    def count(self) -> int:
        """How many articles the site has."""
        return len(self.paths)

    @property
    def base_url(self) -> str:
        """For ``-s KHABARAYN_BASE_URL=...``."""
        return self.server.base_url

    @property
    def article_requests(self) -> int:
        """Requests for its article pages answered so far (all crawls of it)."""
        with self.server.lock:
            return self.server.article_requests

    def settings(self, database_url: str, **extra: str) -> dict[str, str]:
        """The settings of a crawl of this site into ``database_url``."""
        return {"DATABASE_URL": database_url, "KHABARAYN_BASE_URL": self.base_url, **LOCAL_CRAWL, **extra}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def site_directory(tmp_path_factory: pytest.TempPathFactory, count: int = ARTICLES) -> Path:
    """The synthetic snapshot of ``count`` articles, built once a session (``build`` keeps a
    complete one)."""
    root = tmp_path_factory.getbasetemp() / f"live-site-{count}-{SEED}"
    return build(count, root, SEED)


@contextmanager
def serving(directory: Path) -> Iterator[LiveSite]:
    site = LiveSite(directory)
    try:
        yield site
    finally:
        site.close()


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    """The test site (:data:`ARTICLES` articles), served for the whole session."""
    with serving(site_directory(tmp_path_factory)) as site:
        yield site


@dataclass(frozen=True)
class SiteFigures:
    """What a database holds of a site's articles."""

    #: distinct articles of the site stored
    stored: int
    #: the site's articles not stored
    missing: int
    #: article rows beyond one an article (same article id or canonical path)
    duplicates: int
    #: page states of the site's article pages whose article is not stored
    orphans: int

    def __str__(self) -> str:
        return (
            f"stored {self.stored}, missing {self.missing}, "
            f"duplicate rows {self.duplicates}, orphan page states {self.orphans}"
        )


def site_figures(database_url: str, site: LiveSite) -> SiteFigures:
    """Articles stored, missing and duplicated, and orphan page states, by URL path (stored
    URLs are the site's origin, fetched ones the mirror's: paths are what they share)."""
    articles = rows(database_url, select(Article.article_id, Article.canonical_url))
    by_id = Counter(article_id for article_id, _ in articles)
    by_path = Counter(urlsplit(url).path for _, url in articles)
    duplicates = max(sum(n - 1 for n in by_id.values()), sum(n - 1 for n in by_path.values()))
    known = {urlsplit(url).path for (url,) in rows(database_url, select(ArticleUrl.url))} | set(by_path)
    stored = site.paths & known
    states = {urlsplit(url).path for (url,) in rows(database_url, select(PageState.url))}
    orphans = (states & site.paths) - known
    return SiteFigures(len(stored), site.count - len(stored), duplicates, len(orphans))
