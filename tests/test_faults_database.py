"""A database that goes away during a live crawl (a TCP proxy in front of the test PostgreSQL,
cut by the test): a short outage is waited out and loses nothing; a long one stops the crawl
with exit 3 and its items in the spool, and the next ordinary run stores the whole site."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from khabar_crawler.db.models import Article, CrawlRun
from tests.conftest import postgres_schema
from tests.faults import TcpProxy, pg_proxy  # noqa: F401  (the fixture)
from tests.helpers import (
    POSTGRES_URL,
    crawl_process,
    read_outputs,
    start_crawl,
)
from tests.live_site import LiveSite, live_site, site_figures  # noqa: F401  (the fixture)
from tests.pipeline_run import rows

pytestmark = pytest.mark.e2e  # crawl processes against a live site and a proxied PostgreSQL


def outage_settings(live_site: LiveSite, url: str, spool: Path, retry: float) -> dict[str, str]:  # noqa: F811
    return live_site.settings(
        url,
        KHABAR_SPOOL_DIR=str(spool),
        KHABAR_DB_RETRY_SECONDS=str(retry),
        KHABAR_DB_CONNECT_TIMEOUT="2",
        KHABAR_DB_STATEMENT_TIMEOUT="5",
        KHABAR_STORE_BATCH_SIZE="10",
        CONCURRENT_REQUESTS_PER_DOMAIN="2",
    )


def stored(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(Article)).scalar() or 0)
    except ProgrammingError:  # the crawl has not created its tables yet
        return 0
    finally:
        engine.dispose()


def crawl_with_outage(
    tmp_path: Path, proxy: TcpProxy, url: str, settings: dict[str, str], after: int, seconds: float | None
) -> subprocess.CompletedProcess[str]:
    """A crawl through ``proxy``, cut once ``after`` articles are stored, for ``seconds``
    (None: to the crawl's end)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    process = start_crawl(tmp_path, settings={**settings, "DATABASE_URL": proxy.url_for(url)})
    try:
        deadline = time.monotonic() + 120
        while process.poll() is None and stored(url) < after and time.monotonic() < deadline:
            time.sleep(0.05)
        proxy.cut()
        if seconds is not None:
            time.sleep(seconds)
            proxy.restore()
        out, err = process.communicate(timeout=240)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    proxy.restore()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def spool_lines(spool: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line) for path in spool.glob("*.jsonl") for line in path.read_text("utf-8").splitlines()
    ]


@pytest.fixture(scope="module")
def long_outage(
    tmp_path_factory: pytest.TempPathFactory,
    live_site: LiveSite,  # noqa: F811
) -> Any:
    """A crawl whose database goes away for good after 30 articles, then an ordinary rerun
    with the database back: what each left."""

    tmp = tmp_path_factory.mktemp("long-outage")
    spool = tmp / "spool"
    target = make_url(POSTGRES_URL)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    with postgres_schema() as url:
        settings = outage_settings(live_site, url, spool, retry=2)
        first = crawl_with_outage(tmp / "first", proxy, url, settings, after=30, seconds=None)
        spooled = spool_lines(spool)
        second = crawl_process(tmp / "second", settings=settings)
        runs = rows(url, select(CrawlRun.status, CrawlRun.finish_reason).order_by(CrawlRun.id))
        figures = site_figures(url, live_site)
        yield {
            "first": first,
            "spooled": spooled,
            "second": second,
            "runs": runs,
            "figures": figures,
            "spool": spool,
        }
    proxy.close()


def test_a_long_outage_stops_the_crawl_with_exit_3(long_outage: Any) -> None:
    first = long_outage["first"]
    assert (first.returncode, "Traceback" in first.stderr) == (3, False), first.stderr[-3000:]


def test_a_long_outage_says_so_in_one_line(long_outage: Any) -> None:
    lines = [line for line in long_outage["first"].stderr.splitlines() if "[pipelines.store] ERROR" in line]
    assert len(lines) == 1 and "stayed unavailable" in lines[0] and "stopping the crawl" in lines[0]


def test_a_long_outage_keeps_the_items_in_hand_in_the_spool(long_outage: Any) -> None:
    kinds = {line["kind"] for line in long_outage["spooled"]}
    assert kinds == {"article", "run"}


def test_the_next_run_stores_the_whole_site(long_outage: Any, live_site: LiveSite) -> None:  # noqa: F811
    figures = long_outage["figures"]
    assert (long_outage["second"].returncode, figures.stored, figures.duplicates, figures.orphans) == (
        0,
        live_site.count,
        0,
        0,
    ), f"{figures}; {long_outage['second'].stderr[-3000:]}"


def test_the_failed_run_is_closed_with_its_reason(long_outage: Any) -> None:
    assert long_outage["runs"] == [("failed", "database_unavailable"), ("finished", "finished")]


def test_the_spool_is_gone_once_written(long_outage: Any) -> None:
    assert list(long_outage["spool"].glob("*.jsonl")) == []


def test_a_short_outage_is_waited_out(
    tmp_path: Path,
    live_site: LiveSite,  # noqa: F811
    pg_proxy: TcpProxy,  # noqa: F811
    postgres_url: str,
) -> None:
    settings = outage_settings(live_site, postgres_url, tmp_path / "spool", retry=30)
    done = crawl_with_outage(tmp_path, pg_proxy, postgres_url, settings, after=30, seconds=2)
    _, stats = read_outputs(tmp_path)
    figures = site_figures(postgres_url, live_site)
    assert (
        done.returncode,
        figures.stored,
        stats.get("khabar/store/db_retries", 0) > 0,
        stats.get("khabar/store/spooled"),
    ) == (
        0,
        live_site.count,
        True,
        None,
    ), done.stderr[-3000:]
