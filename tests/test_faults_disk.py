"""A full disk under a live crawl: the SQLite database on a 3 MB tmpfs fills up during the
crawl. The crawl stops with exit status 3 (reason ``database_unavailable``), every item it
extracted is stored, rejected or in the spool (a folder on another disk); once the disk has
room again, the next ordinary run writes the spool first and stores every article of the site.

Mounting needs root: the test is skipped with the reason otherwise, or when the mount fails
(a container without the capability).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from khabar_crawler.db.models import Article, ArticleUrl, CrawlRun, RejectedPage
from tests.helpers import crawl_process
from tests.live_site import LiveSite, SiteFigures, live_site, site_figures  # noqa: F401  (the fixture)
from tests.pipeline_run import rows

pytestmark = pytest.mark.e2e  # starts crawl processes and a server, mounts a file system

DISK_SIZE = "3m"  # about a hundred articles of the test site
GROWN_SIZE = "64m"


def mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of :data:`DISK_SIZE` mounted in ``tmp_path``, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("a full disk needs a small file system of its own: mounting a tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    done = mount("-t", "tmpfs", "-o", f"size={DISK_SIZE}", "tmpfs", str(disk))
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs ({done.stderr.strip()}): no full disk to test")
    try:
        yield disk
    finally:
        if subprocess.run(["umount", str(disk)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(disk)], check=False)  # busy: detach it now


def spool_lines(folder: Path) -> list[dict[str, Any]]:
    """The lines of the spool files in ``folder``."""
    return [
        json.loads(line)
        for path in sorted(folder.glob("*.jsonl"))
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]


def spooled_paths(folder: Path) -> set[str]:
    """The URL paths of the items (articles and rejections) in the spool."""
    paths = set()
    for line in spool_lines(folder):
        item = line.get("item")
        url = (item or {}).get("url") if isinstance(item, dict) else line.get("url")
        if url:
            paths.add(urlsplit(url).path)
    return paths


def feed_paths(run_folder: Path) -> set[str]:
    """The URL paths of the items a crawl passed to its feed (every item the pipelines kept)."""
    feed = run_folder / "items.jsonl"
    lines = feed.read_text("utf-8").splitlines() if feed.exists() else []
    return {urlsplit(json.loads(line)["url"]).path for line in lines if line.strip()}


def accounted_paths(database_url: str) -> set[str]:
    """URL paths the database has an article or a rejection for."""
    urls = [url for (url,) in rows(database_url, select(ArticleUrl.url))]
    urls += [url for (url,) in rows(database_url, select(Article.canonical_url))]
    urls += [url for (url,) in rows(database_url, select(RejectedPage.url))]
    return {urlsplit(url).path for url in urls}


def test_a_full_disk_stops_the_crawl_and_the_next_run_loses_nothing(
    tmp_path: Path,
    small_disk: Path,
    live_site: LiveSite,  # noqa: F811 (the fixture)
) -> None:
    db_url = f"sqlite:///{small_disk / 'khabar.db'}"
    spool = tmp_path / "spool"
    settings = live_site.settings(db_url, KHABAR_SPOOL_DIR=str(spool), KHABAR_DB_RETRY_SECONDS="2")

    full = crawl_process(tmp_path / "full", settings=settings)
    extracted = feed_paths(tmp_path / "full")
    unaccounted = extracted - accounted_paths(db_url) - spooled_paths(spool)
    spooled = len(spooled_paths(spool))
    assert (full.returncode, sorted(unaccounted), spooled > 0) == (3, [], True), (
        f"{len(extracted)} items extracted, {spooled} spooled, {len(unaccounted)} neither stored nor "
        f"rejected nor spooled; {site_figures(db_url, live_site)}; log:\n{full.stderr[-3000:]}"
    )

    grown = mount("-o", f"remount,size={GROWN_SIZE}", str(small_disk))
    assert grown.returncode == 0, grown.stderr
    rerun = crawl_process(tmp_path / "rerun", settings=settings)
    figures = site_figures(db_url, live_site)
    runs = rows(db_url, select(CrawlRun.status, CrawlRun.finish_reason).order_by(CrawlRun.id))
    assert (figures, runs, rerun.returncode, len(spool_lines(spool))) == (
        SiteFigures(stored=live_site.count, missing=0, duplicates=0, orphans=0),
        [("failed", "database_unavailable"), ("finished", "finished")],
        0,
        0,
    ), f"{figures}; runs {runs}; rerun log:\n{rerun.stderr[-3000:]}"
