"""A site that stops answering in the middle of a crawl stops the crawl within a bounded
number of failed downloads (khabar_crawler/frontier/unreachable.py): exit 3, the
site_unreachable alarm, the run failed; the next run, the site back, stores the whole site."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select

from khabar_crawler.db.models import CrawlRun
from tests.helpers import crawl_process, start_crawl
from tests.live_site import serving, site_directory, site_figures
from tests.pipeline_run import rows

pytestmark = pytest.mark.e2e  # crawl processes against a site on loopback


@pytest.fixture(scope="module")
def site_down(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A crawl whose site goes away after 60 article pages, then a crawl with the site back."""
    directory = site_directory(tmp_path_factory)
    tmp = tmp_path_factory.mktemp("site-down")
    db_url = f"sqlite:///{tmp / 'khabar.db'}"
    with serving(directory) as site:
        settings = site.settings(db_url, KHABAR_UNREACHABLE_AFTER="10", CONCURRENT_REQUESTS_PER_DOMAIN="2")
        process = start_crawl(tmp / "first", settings=settings)
        deadline = time.monotonic() + 60
        while process.poll() is None and site.article_requests < 60 and time.monotonic() < deadline:
            time.sleep(0.02)
        site.close()  # the port closes: every later connection is refused
        stopped = time.monotonic()
        _, log = process.communicate(timeout=120)
        seconds = time.monotonic() - stopped
    with serving(directory) as site:
        second = crawl_process(tmp / "second", settings=site.settings(db_url))
        figures = site_figures(db_url, site)
    runs = rows(db_url, select(CrawlRun.status, CrawlRun.finish_reason).order_by(CrawlRun.id))
    return {
        "status": process.returncode,
        "log": log,
        "seconds": seconds,
        "second": second,
        "figures": figures,
        "runs": runs,
    }


def test_the_crawl_stops_with_exit_3(site_down: dict[str, Any]) -> None:
    assert (site_down["status"], site_down["seconds"] < 60) == (3, True), site_down["log"][-3000:]


def test_the_alarm_says_why(site_down: dict[str, Any]) -> None:
    assert "ALARM site_unreachable: the site stopped answering" in site_down["log"]


def test_the_run_is_failed_and_the_next_one_finished(site_down: dict[str, Any]) -> None:
    assert site_down["runs"] == [("failed", "site_unreachable"), ("finished", "finished")]


def test_the_next_run_stores_the_whole_site(site_down: dict[str, Any]) -> None:
    figures = site_down["figures"]
    assert (site_down["second"].returncode, figures.missing, figures.duplicates, figures.orphans) == (
        0,
        0,
        0,
        0,
    ), f"{figures}; {site_down['second'].stderr[-2000:]}"
