"""End to end into the database: replay twice, a changed snapshot, PostgreSQL identical to
SQLite, and no acknowledged item lost when the crawl is interrupted."""

from __future__ import annotations

import json
import re
import shutil
import signal
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from fixtures.generate import article_page
from khabar_crawler.db.models import Article, ArticleVersion, CrawlRun
from khabar_crawler.snapshot.manifest import Snapshot
from khabar_crawler.snapshot.serve import SnapshotHandler, SnapshotServer
from tests.helpers import (
    SNAPSHOT,
    golden,
    read_outputs,
    run_crawl,
    start_crawl,
)
from tests.pipeline_run import rows, table_counts

pytestmark = pytest.mark.e2e  # starts crawl processes or servers

SQLITE_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$")
CONTENT_QUERIES = {
    "articles": "SELECT canonical_url, article_id, title, summary, body, title_search, body_search, category,"
    " language, published_at, modified_at, content_hash, version FROM articles ORDER BY canonical_url",
    "versions": "SELECT a.canonical_url, v.version, v.content_hash FROM article_versions v"
    " JOIN articles a ON a.id = v.article_pk ORDER BY a.canonical_url, v.version",
    "tags": "SELECT a.canonical_url, t.name, at.position FROM article_tags at JOIN tags t ON t.id = at.tag_id"
    " JOIN articles a ON a.id = at.article_pk ORDER BY a.canonical_url, at.position",
    "images": "SELECT a.canonical_url, i.position, i.url, i.alt, i.caption, i.credit FROM images i"
    " JOIN articles a ON a.id = i.article_pk ORDER BY a.canonical_url, i.position",
    "links": "SELECT a.canonical_url, l.kind, l.position, l.url, l.title, l.summary, l.category FROM links l"
    " JOIN articles a ON a.id = l.article_pk ORDER BY a.canonical_url, l.kind, l.position",
    "urls": "SELECT a.canonical_url, u.url, u.kind FROM article_urls u JOIN articles a ON a.id = u.article_pk"
    " ORDER BY u.url",
}


def content(db_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored fact but ids and timestamps of the crawl itself."""
    return {
        name: [tuple(_comparable(value) for value in row) for row in rows(db_url, text(query))]
        for name, query in CONTENT_QUERIES.items()
    }


def _comparable(value: Any) -> Any:
    """Datetimes as UTC text: raw SQL gives SQLite's stored text but PostgreSQL's datetimes."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str) and SQLITE_DATETIME.match(value):
        return value[:19]
    return value


def replay(tmp_path: Path, db_url: str, snapshot: Path = SNAPSHOT) -> dict[str, Any]:
    _, stats = run_crawl(tmp_path, "-a", f"replay={snapshot}", settings={"DATABASE_URL": db_url})
    return stats


@dataclass(frozen=True)
class TwoReplays:
    """The snapshot replayed twice into one database: what the first wrote, and the stats of both."""

    db_url: str
    first: dict[str, Any]
    second: dict[str, Any]
    counts_after_first: dict[str, int]
    content_after_first: dict[str, list[tuple[Any, ...]]]


@pytest.fixture(scope="module")
def two_replays(module_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> TwoReplays:
    tmp_path = tmp_path_factory.mktemp("replays")
    first = replay(tmp_path / "first", module_db_url)
    counts, facts = table_counts(module_db_url), content(module_db_url)
    second = replay(tmp_path / "second", module_db_url)
    return TwoReplays(module_db_url, first, second, counts, facts)


def test_replay_fills_the_database(two_replays: TwoReplays) -> None:
    stored = rows(two_replays.db_url, select(Article.article_id, Article.title).order_by(Article.article_id))
    assert stored == [(aid, golden(aid)["title"]) for aid in ("41872", "52306")]


def test_a_replay_is_written_in_whole_batches(two_replays: TwoReplays) -> None:
    stats = two_replays.first
    assert (stats.get("khabar/store/batch_errors", 0), stats["khabar/store/new"]) == (0, 2)


def test_stored_links_hold_every_field_of_the_item(two_replays: TwoReplays) -> None:
    stored = two_replays.content_after_first["links"]
    expected = [
        ("see_also", i, link["url"], link["title"], None, None)
        for i, link in enumerate(golden("41872")["see_also"])
    ] + [
        ("related", i, card["url"], card["title"], card["summary"], card["category"])
        for i, card in enumerate(golden("41872")["related"])
    ]
    assert [row[1:] for row in stored if row[0] == golden("41872")["url"]] == sorted(expected)


def test_second_replay_changes_nothing(two_replays: TwoReplays) -> None:
    before = two_replays.counts_after_first
    assert (
        table_counts(two_replays.db_url),
        content(two_replays.db_url),
        two_replays.second["khabar/store/unchanged"],
    ) == ({**before, "crawl_runs": before["crawl_runs"] + 1}, two_replays.content_after_first, 2)


def test_runs_are_recorded(two_replays: TwoReplays) -> None:
    runs = rows(
        two_replays.db_url,
        select(CrawlRun.status, CrawlRun.items_new, CrawlRun.items_unchanged, CrawlRun.arguments).order_by(
            CrawlRun.id
        ),
    )
    assert [r[:3] for r in runs] == [("finished", 2, 0), ("finished", 0, 2)] and runs[0][3] == {
        "replay": str(SNAPSHOT)
    }


def changed_snapshot(tmp_path: Path, source_articles: dict[str, Any], source_site: dict[str, Any]) -> Path:
    """A copy of the snapshot where article 41872 gained a paragraph and a new modified time."""
    copy = tmp_path / "changed"
    shutil.copytree(SNAPSHOT, copy)
    article = json.loads(json.dumps(source_articles["41872"]))
    article["blocks"].append(
        {"type": "p", "text": "وفي تحديث لاحق، أعلنت الدول الثلاث موعد الاجتماع المقبل."}
    )
    article["modified"] = "2024-07-19T09:00:00+03:00"
    saved = Snapshot(copy).get(golden("41872")["url"])
    assert saved is not None and saved.file is not None
    saved.file.write_bytes(article_page(article, source_site))
    return copy


def test_changed_article_gets_one_new_version(
    tmp_path: Path, db_url: str, source_articles: dict[str, Any], source_site: dict[str, Any]
) -> None:
    replay(tmp_path / "first", db_url)
    stats = replay(tmp_path / "second", db_url, changed_snapshot(tmp_path, source_articles, source_site))
    versions = rows(
        db_url,
        select(Article.article_id, ArticleVersion.version, ArticleVersion.body)
        .join(Article, Article.id == ArticleVersion.article_pk)
        .order_by(ArticleVersion.id),
    )
    assert (
        [v[:2] for v in versions[2:]],
        stats["khabar/store/updated"],
        stats["khabar/store/unchanged"],
    ) == (
        [("41872", 2)],
        1,
        1,
    )
    assert versions[2][2].endswith("أعلنت الدول الثلاث موعد الاجتماع المقبل.")


def test_postgresql_is_filled_like_sqlite(tmp_path: Path, postgres_url: str) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'reference.db'}"
    replay(tmp_path / "reference", sqlite_url)
    replay(tmp_path / "crawl", postgres_url)
    assert content(postgres_url) == content(sqlite_url)


class SlowHandler(SnapshotHandler):
    """Answers article pages slowly, so that a crawl can be interrupted half-way."""

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        if self.path.startswith("/news/"):
            time.sleep(1.5)
        super().do_GET()


def test_interrupted_crawl_loses_no_acknowledged_item(tmp_path: Path, db_url: str) -> None:
    """SIGINT as soon as the first item reaches the feed: Scrapy shuts down gracefully and
    every item it acknowledged is in the database."""
    server = SnapshotServer(Snapshot(SNAPSHOT), "https://khabarayn.com", ("127.0.0.1", 0))
    server.RequestHandlerClass = SlowHandler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings = {
            "DATABASE_URL": db_url,
            "KHABARAYN_BASE_URL": server.base_url,
            "AUTOTHROTTLE_ENABLED": "False",
            "DOWNLOAD_DELAY": "0",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
            "KHABAR_STORE_BATCH_SIZE": "1000",
            "KHABAR_STORE_FLUSH_SECONDS": "3600",
        }
        process = start_crawl(tmp_path, settings=settings)
        feed = tmp_path / "items.jsonl"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (feed.exists() and feed.read_text("utf-8").strip()):
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        server.shutdown()
        server.server_close()
    items, stats = read_outputs(tmp_path)
    stored = {row[0] for row in rows(db_url, select(Article.canonical_url))}
    assert items and "Traceback" not in stderr
    assert ({i["canonical_url"] for i in items} <= stored, stats["finish_reason"]) == (True, "shutdown")
