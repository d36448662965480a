"""Operators can see a run: its crawl_runs row carries its counts while it runs (a heartbeat),
and ``khabar stats`` shows a running row's age, and a silent one as stale."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from khabar_crawler.db.models import CrawlRun
from khabar_crawler.query.reports import run_progress
from tests.helpers import start_crawl
from tests.live_site import LiveSite, live_site  # noqa: F401  (the fixture)
from tests.pipeline_run import rows

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def running(started_minutes_ago: float, heartbeat_seconds_ago: float | None) -> dict[str, object]:
    heartbeat = NOW - timedelta(seconds=heartbeat_seconds_ago) if heartbeat_seconds_ago is not None else None
    return {
        "status": "running",
        "started_at": (NOW - timedelta(minutes=started_minutes_ago)).isoformat(),
        "heartbeat_at": heartbeat.isoformat() if heartbeat else None,
    }


def test_a_running_run_shows_its_age() -> None:
    shown = run_progress(running(12, 10), NOW)
    assert (shown["status"], shown["age_seconds"]) == ("running", 720)


def test_a_run_whose_heartbeat_stopped_is_stale() -> None:
    assert run_progress(running(12, 600), NOW)["status"] == "stale"


def test_a_run_that_never_beat_is_stale_once_old() -> None:
    assert run_progress(running(12, None), NOW)["status"] == "stale"


def test_a_closed_run_is_shown_as_it_is() -> None:
    assert run_progress({"status": "finished", "started_at": NOW.isoformat()}, NOW) == {
        "status": "finished",
        "started_at": NOW.isoformat(),
    }


@pytest.mark.e2e
def test_a_running_crawl_writes_its_counts(tmp_path: Path, live_site: LiveSite) -> None:  # noqa: F811
    db_url = f"sqlite:///{tmp_path / 'khabar.db'}"
    settings = live_site.settings(
        db_url,
        KHABAR_HEARTBEAT_SECONDS="0.2",
        KHABAR_STORE_BATCH_SIZE="5",
        CONCURRENT_REQUESTS_PER_DOMAIN="1",
    )
    process = start_crawl(tmp_path, settings=settings)
    seen: list[tuple[str, int]] = []
    try:
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline and not seen:
            time.sleep(0.1)
            try:
                found = rows(db_url, select(CrawlRun.status, CrawlRun.items_new, CrawlRun.heartbeat_at))
            except OperationalError:  # the crawl has not created its tables yet
                continue
            seen = [(status, new) for status, new, beat in found if beat is not None and new > 0]
    finally:
        process.kill()
        process.communicate()
    assert [status for status, _ in seen] == ["running"]
