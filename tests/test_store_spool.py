"""A database that stays away loses nothing (pipelines/store.py, khabar_crawler/db/spool.py):
the store retries, then keeps the items in an fsynced spool, fails the run, and the next run
writes the spool first; a database that comes back within the retry time loses nothing either.
SQLite locked by another connection stands for the database that does not answer (the
PostgreSQL outages are the e2e fault tests')."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from khabar_crawler.db.models import Article, CrawlRun
from tests.helpers import golden_ids, golden_item
from tests.pipeline_run import PipelineRun, rows, table_counts


@contextmanager
def locked(path: Path, seconds: float | None = None) -> Iterator[None]:
    """Another process's write lock on the SQLite file (for ``seconds``, else for the block)."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("BEGIN EXCLUSIVE")
    timer = threading.Timer(seconds, connection.rollback) if seconds is not None else None
    if timer is not None:
        timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.join()
        else:
            connection.rollback()
        connection.close()


def settings(tmp_path: Path, **extra: Any) -> dict[str, Any]:
    return {
        "KHABAR_SPOOL_DIR": str(tmp_path / "spool"),
        "KHABAR_DB_BUSY_TIMEOUT": 0.1,
        "KHABAR_DB_RETRY_SECONDS": 1,
        **extra,
    }


def opened(tmp_path: Path, **extra: Any) -> tuple[str, PipelineRun]:
    db_url = f"sqlite:///{tmp_path / 'khabar.db'}"
    return db_url, PipelineRun(db_url, **settings(tmp_path, **extra))


def spool_lines(tmp_path: Path) -> list[dict[str, Any]]:
    files = (tmp_path / "spool").glob("*.jsonl")
    return [json.loads(line) for path in files for line in path.read_text("utf-8").splitlines()]


def outage_run(tmp_path: Path) -> tuple[str, PipelineRun]:
    """A run whose database is locked from its first batch to its end."""
    db_url, run = opened(tmp_path)
    with locked(tmp_path / "khabar.db"):
        run.feed(*(golden_item(article_id) for article_id in golden_ids()))
        run.close()
    return db_url, run


def test_items_the_database_cannot_take_go_to_the_spool(tmp_path: Path) -> None:
    outage_run(tmp_path)
    kinds = sorted(line["kind"] for line in spool_lines(tmp_path))
    assert kinds == ["article"] * len(golden_ids()) + ["run"]


def test_the_outage_fails_the_run_with_an_alarm(tmp_path: Path) -> None:
    _, run = outage_run(tmp_path)
    assert (run.stats.get("khabar/alarm/failed"), run.stats.get("khabar/store/spooled")) == (
        1,
        len(golden_ids()),
    )


def test_the_next_run_writes_the_spool_first(tmp_path: Path) -> None:
    db_url, _ = outage_run(tmp_path)
    opened(tmp_path)[1].close()
    stored = rows(db_url, select(func.count()).select_from(Article))[0][0]
    assert (stored, spool_lines(tmp_path)) == (len(golden_ids()), [])


def test_the_spooled_run_is_closed_failed_with_its_counts(tmp_path: Path) -> None:
    db_url, first = outage_run(tmp_path)
    opened(tmp_path)[1].close()
    query = select(CrawlRun.status, CrawlRun.finish_reason, CrawlRun.items_new).where(
        CrawlRun.id == first.run_id
    )
    assert rows(db_url, query) == [("failed", "finished", len(golden_ids()))]


def test_a_spool_written_twice_stores_nothing_twice(tmp_path: Path) -> None:
    db_url, _ = outage_run(tmp_path)
    saved = {path.name: path.read_bytes() for path in (tmp_path / "spool").glob("*.jsonl")}
    opened(tmp_path)[1].close()
    before = table_counts(db_url)
    for name, content in saved.items():  # as if killed between the commit and the removal
        (tmp_path / "spool" / name).write_bytes(content)
    opened(tmp_path)[1].close()
    after = table_counts(db_url)
    assert {k: after[k] - before[k] for k in after} == {k: int(k == "crawl_runs") for k in after}


def test_a_lock_released_within_the_retry_time_loses_nothing(tmp_path: Path) -> None:
    db_url, run = opened(tmp_path, KHABAR_DB_RETRY_SECONDS=30)
    with locked(tmp_path / "khabar.db", seconds=1.5):
        time.sleep(0.1)
        run.feed(*(golden_item(article_id) for article_id in golden_ids()))
        run.close()
    stored = rows(db_url, select(func.count()).select_from(Article))[0][0]
    assert (stored, run.stats.get("khabar/store/spooled"), run.stats["khabar/store/db_retries"] > 0) == (
        len(golden_ids()),
        None,
        True,
    )
