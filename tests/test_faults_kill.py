"""``kill -9`` of a live crawl at three random points in a row, then one ordinary rerun: the
rerun stores every article of the site, once, and leaves no page state without its article.

The kill points come from a seeded RNG (``KHABAR_TEST_KILL_SEED`` picks another seed): each
run is killed once the site has answered a random number of its article pages (between one
and two thirds of the articles not stored yet), plus a random fraction of a second; the
store's batches are the defaults, so that kills land with items in hand and page states
pending, as in production.
"""

from __future__ import annotations

import os
import random
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from khabar_crawler.db.models import Article, CrawlRun
from tests.helpers import ROOT, crawl_command, crawl_env, crawl_process
from tests.live_site import LiveSite, SiteFigures, live_site, site_figures  # noqa: F401  (the fixture)
from tests.pipeline_run import rows

pytestmark = pytest.mark.e2e  # starts crawl processes and a server

SEED = int(os.environ.get("KHABAR_TEST_KILL_SEED", "15"))
KILLS = 3
#: the longest a run may take to reach its kill point (it is killed then anyway)
KILL_DEADLINE = 120.0


@dataclass(frozen=True)
class Kill:
    """Where a run was killed: after ``after`` article pages answered (``waited`` s later);
    the articles stored then, and the run's exit code (-9: killed, else it ended first)."""

    after: int
    waited: float
    stored: int
    exit_code: int | None


def stored_articles(engine_url: str) -> int | None:
    """Article rows now; None while the database cannot say (not created yet, locked)."""
    engine = create_engine(engine_url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(Article)) or 0)
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()


def crawl_and_kill(tmp_path: Path, settings: dict[str, str], rng: random.Random, site: LiveSite) -> Kill:
    """Start a crawl of ``site`` and ``kill -9`` it at a random point: once the site answered
    a random number of article pages, and a random fraction of a second later."""
    unstored = site.count - (stored_articles(settings["DATABASE_URL"]) or 0)
    after = rng.randint(1, max(1, unstored * 2 // 3))
    start = site.article_requests
    waited = round(rng.uniform(0.0, 0.4), 2)
    tmp_path.mkdir(parents=True)
    process = subprocess.Popen(
        crawl_command(tmp_path, settings=settings),
        cwd=ROOT,
        env=crawl_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + KILL_DEADLINE
        while process.poll() is None and time.monotonic() < deadline:
            if site.article_requests - start >= after:
                time.sleep(waited)
                break
            time.sleep(0.01)
        process.kill()  # does nothing when the run has already ended
    finally:
        exit_code = process.wait(timeout=60)
    return Kill(after, waited, stored_articles(settings["DATABASE_URL"]) or 0, exit_code)


@pytest.mark.parametrize("jobdir", [False, True], ids=["no-jobdir", "jobdir"])
def test_three_kills_then_a_rerun_store_every_article_once(
    tmp_path: Path,
    db_url: str,
    live_site: LiveSite,  # noqa: F811 (the fixture)
    jobdir: bool,
) -> None:
    rng = random.Random(SEED)
    extra = {"JOBDIR": str(tmp_path / "job")} if jobdir else {}  # the same for every run
    settings = live_site.settings(db_url, **extra)
    kills = [crawl_and_kill(tmp_path / f"killed-{n}", settings, rng, live_site) for n in range(KILLS)]
    rerun = crawl_process(tmp_path / "rerun", settings=settings)
    figures = site_figures(db_url, live_site)
    statuses = [status for (status,) in rows(db_url, select(CrawlRun.status).order_by(CrawlRun.id))]
    assert (figures, statuses, [kill.exit_code for kill in kills], rerun.returncode) == (
        SiteFigures(stored=live_site.count, missing=0, duplicates=0, orphans=0),
        ["killed"] * KILLS + ["finished"],
        [-9] * KILLS,
        0,
    ), f"seed {SEED}, site {live_site.count}: {figures}; kills {kills}; rerun log:\n{rerun.stderr[-3000:]}"
