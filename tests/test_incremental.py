"""Scheduled runs against a local mirror: incremental, resumable, alarmed (real databases)."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from fixtures.generate import SOURCE, build_snapshot
from khabar_crawler.db.models import Article, ArticleVersion, CrawlRun, RejectedPage
from khabar_crawler.snapshot.manifest import Snapshot
from khabar_crawler.snapshot.serve import SnapshotHandler, SnapshotServer
from tests.helpers import SNAPSHOT, crawl_process, run_crawl, start_crawl
from tests.pipeline_run import rows, table_counts

pytestmark = pytest.mark.e2e  # starts crawl processes or servers

LOCAL = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0"}


class Mirror:
    """A local HTTP server for a snapshot directory; ``swap`` serves another one."""

    def __init__(self, directory: Path, delay: float = 0.0) -> None:
        mirror = self

        class Handler(SnapshotHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                if mirror.delay and self.path.startswith("/news/"):
                    time.sleep(mirror.delay)
                super().do_GET()

        self.delay = delay
        self.server = SnapshotServer(Snapshot(directory), "https://khabarayn.com", ("127.0.0.1", 0))
        self.server.RequestHandlerClass = Handler
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def swap(self, directory: Path) -> None:
        self.server.snapshot = Snapshot(directory)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mirror() -> Iterator[Mirror]:
    server = Mirror(SNAPSHOT)
    yield server
    server.close()


def crawl(
    tmp_path: Path, name: str, db_url: str, mirror: Mirror, *args: str, **settings: str
) -> dict[str, Any]:
    _, stats = run_crawl(
        tmp_path / name,
        *args,
        settings={"DATABASE_URL": db_url, "KHABARAYN_BASE_URL": mirror.server.base_url, **LOCAL, **settings},
    )
    return stats


def snapshot_variant(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """The snapshot rebuilt from a copy of fixtures/source with article 41872 changed."""
    source = tmp_path / "source"
    shutil.copytree(SOURCE, source)
    path = source / "articles" / "41872.json"
    article = json.loads(path.read_text("utf-8"))
    change(article)
    path.write_text(json.dumps(article, ensure_ascii=False), "utf-8")
    out = tmp_path / "snapshot"
    build_snapshot(source).write(out)
    return out


def content_counts(db_url: str) -> dict[str, int]:
    counts = table_counts(db_url)
    return {k: v for k, v in counts.items() if k not in ("crawl_runs", "page_states")}


def test_second_run_over_an_unchanged_site_writes_nothing(
    tmp_path: Path, db_url: str, mirror: Mirror
) -> None:
    first = crawl(tmp_path, "first", db_url, mirror)
    before = content_counts(db_url)
    second = crawl(tmp_path, "second", db_url, mirror)
    assert (first["khabar/store/new"], content_counts(db_url)) == (2, before)
    assert (second.get("khabar/extract/article", 0), second.get("khabar/store/unchanged", 0)) == (0, 0)
    assert second["khabar/incremental/not_modified"] == 4  # home, feed, sitemap index, news sitemap


def test_changed_article_is_picked_up(tmp_path: Path, db_url: str, mirror: Mirror) -> None:
    crawl(tmp_path, "first", db_url, mirror)

    def edit(article: dict[str, Any]) -> None:
        article["blocks"].append({"type": "p", "text": "تحديث: موعد الاجتماع المقبل في سيول."})
        article["modified"] = "2026-11-21T10:00:00+03:00"

    mirror.swap(snapshot_variant(tmp_path, edit))
    second = crawl(tmp_path, "second", db_url, mirror)
    versions = rows(db_url, select(ArticleVersion.body).order_by(ArticleVersion.id))
    assert (second["khabar/store/updated"], len(versions)) == (1, 3)
    assert versions[-1][0].endswith("تحديث: موعد الاجتماع المقبل في سيول.")


def test_due_articles_are_revisited_conditionally(tmp_path: Path, db_url: str, mirror: Mirror) -> None:
    crawl(tmp_path, "first", db_url, mirror)
    second = crawl(tmp_path, "second", db_url, mirror, KHABAR_REVISIT_INTERVALS="[[null, 0]]")
    assert (second["khabar/incremental/revisits"], second.get("khabar/extract/article", 0)) == (2, 0)


def test_full_recrawl_fetches_everything(tmp_path: Path, db_url: str, mirror: Mirror) -> None:
    crawl(tmp_path, "first", db_url, mirror)
    second = crawl(tmp_path, "second", db_url, mirror, "-a", "full=1")
    assert (second["khabar/extract/article"], second["khabar/store/unchanged"]) == (2, 2)


def start_and_stop(
    tmp_path: Path, db_url: str, mirror: Mirror, stop: signal.Signals, **settings: str
) -> None:
    """Start a crawl of the slow mirror, and send ``stop`` once an item reached the feed."""
    mirror.delay = 1.5
    process = start_crawl(
        tmp_path,
        stderr=subprocess.DEVNULL,
        settings={
            "DATABASE_URL": db_url,
            "KHABARAYN_BASE_URL": mirror.server.base_url,
            **LOCAL,
            "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
            "KHABAR_STORE_BATCH_SIZE": "1000",
            "KHABAR_STORE_FLUSH_SECONDS": "3600",
            **settings,
        },
    )
    feed, deadline = tmp_path / "items.jsonl", time.monotonic() + 60
    while time.monotonic() < deadline and not (feed.exists() and feed.read_text("utf-8").strip()):
        time.sleep(0.05)
    process.send_signal(stop)
    process.wait(timeout=120)
    mirror.delay = 0.0


def stored_once(db_url: str) -> tuple[list[str], int]:
    ids = [row[0] for row in rows(db_url, select(Article.article_id).order_by(Article.article_id))]
    return ids, len(rows(db_url, select(ArticleVersion.id)))


def test_sigkill_and_restart_lose_and_duplicate_nothing(tmp_path: Path, db_url: str, mirror: Mirror) -> None:
    start_and_stop(tmp_path / "killed", db_url, mirror, signal.SIGKILL)
    stats = crawl(tmp_path, "restart", db_url, mirror)
    runs = rows(db_url, select(CrawlRun.status).order_by(CrawlRun.id))
    assert (stored_once(db_url), runs, stats["khabar/runs/recovered"]) == (
        (["41872", "52306"], 2),
        [("killed",), ("finished",)],
        [1],
    )


def test_sigkill_with_jobdir_and_restart(tmp_path: Path, db_url: str, mirror: Mirror) -> None:
    jobdir = str(tmp_path / "job")
    start_and_stop(tmp_path / "killed", db_url, mirror, signal.SIGKILL, JOBDIR=jobdir)
    crawl(tmp_path, "restart", db_url, mirror, JOBDIR=jobdir)
    assert stored_once(db_url) == (["41872", "52306"], 2)


def test_pause_and_resume_with_jobdir(tmp_path: Path, db_url: str, mirror: Mirror) -> None:
    jobdir = str(tmp_path / "job")
    start_and_stop(tmp_path / "paused", db_url, mirror, signal.SIGINT, JOBDIR=jobdir)
    paused = rows(db_url, select(CrawlRun.status))
    resumed = crawl(tmp_path, "resumed", db_url, mirror, JOBDIR=jobdir)
    assert (paused, stored_once(db_url), resumed["finish_reason"]) == (
        [("interrupted",)],
        (["41872", "52306"], 2),
        "finished",
    )


def test_coverage_breach_fails_the_run(tmp_path: Path, db_url: str) -> None:
    """A snapshot whose article 41872 lost its dates: the article is stored without them, and
    the run fails with a clear message."""
    broken = snapshot_variant(tmp_path, lambda a: a.update(published=None, modified=None))
    mirror = Mirror(broken)
    try:
        done = crawl_process(
            tmp_path / "run",
            settings={
                "DATABASE_URL": db_url,
                "KHABARAYN_BASE_URL": mirror.server.base_url,
                **LOCAL,
                "KHABAR_COVERAGE_MIN_ITEMS": "1",
            },
        )
    finally:
        mirror.close()
    status = rows(db_url, select(CrawlRun.status))
    rejected = rows(db_url, select(RejectedPage.reason))
    undated = rows(db_url, select(Article.article_id).where(Article.published_at.is_(None)))
    assert (done.returncode, status, rejected, undated) == (3, [("failed",)], [], [("41872",)])
    assert "ALARM coverage/published_at: only 50% of 2 items have published_at" in done.stderr


def test_bot_challenge_is_counted_not_stored(tmp_path: Path, db_url: str, mirror: Mirror) -> None:
    challenged = tmp_path / "challenged"
    shutil.copytree(SNAPSHOT, challenged)
    saved = Snapshot(challenged).get(
        "https://khabarayn.com/news/41872/تعاون-دفاعي-متقدم-بين-اليابان-وكوريا-الجنوبية/"
    )
    assert saved is not None and saved.file is not None
    saved.file.write_text(
        "<html><head><title>Just a moment...</title></head><body><div id='cf-chl-widget'></div></body></html>"
    )
    mirror.swap(challenged)
    stats = crawl(tmp_path, "run", db_url, mirror)
    assert (
        stats["khabar/page/bot_challenge"],
        stored_once(db_url)[0],
        rows(db_url, select(RejectedPage.reason)),
    ) == (
        1,
        ["52306"],
        [("bot_challenge",)],
    )
