"""A site that cannot be reached is a failed run, not a finished one: `scrapy crawl` exits 3,
the run row says failed, the log says why in one ALARM line."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import select

from khabar_crawler.db.models import CrawlRun
from tests.helpers import crawl_process
from tests.pipeline_run import rows

pytestmark = pytest.mark.e2e  # starts a crawl process


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_an_unreachable_site_fails_the_run_with_exit_3(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'khabar.db'}"
    base = f"http://127.0.0.1:{closed_port()}"
    settings = {
        "DATABASE_URL": db_url,
        "KHABARAYN_BASE_URL": base,
        "RETRY_TIMES": "0",
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "ROBOTSTXT_OBEY": "False",
    }
    done = crawl_process(tmp_path, settings=settings)
    status = rows(db_url, select(CrawlRun.status))
    assert (done.returncode, status, "ALARM nothing_fetched: no page was fetched" in done.stderr) == (
        3,
        [("failed",)],
        True,
    )
