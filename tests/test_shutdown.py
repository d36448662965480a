"""SIGTERM stops a crawl within a bounded time (khabar_crawler/runs/shutdown.py): gracefully
when the reactor is free, at once (status 1, one ERROR line) ``KHABAR_SHUTDOWN_TIMEOUT``
seconds later when it hangs in a database call that does not return.

Each crawl is a real ``scrapy crawl`` process fetching the snapshot from a local server,
slowed down by a download delay so that it is still running when the signal comes. The hung database is the
test PostgreSQL behind a :class:`~tests.faults.TcpProxy` frozen once the run row is written,
with a statement timeout far beyond the test's patience: only the forced stop can end it.
"""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from khabar_crawler.runs.shutdown import FORCED_EXIT_STATUS
from khabar_crawler.snapshot.manifest import Snapshot
from khabar_crawler.snapshot.serve import SnapshotServer
from tests.conftest import postgres_schema
from tests.faults import TcpProxy
from tests.helpers import POSTGRES_URL, SITE, SNAPSHOT, start_crawl

pytestmark = pytest.mark.e2e

SHUTDOWN_TIMEOUT = 3.0
#: how long a stopping crawl may take, in these tests, before they call it hung
PATIENCE = 20.0
STARTED = re.compile(r"Crawl run (\d+) started")


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """The base URL of a local server of the snapshot."""
    server = SnapshotServer(Snapshot(SNAPSHOT), SITE, ("127.0.0.1", 0))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.base_url
    server.shutdown()
    server.server_close()


class Crawl:
    """A ``scrapy crawl khabarayn`` from the local server, one request a ``delay`` seconds,
    in a subprocess whose log is read as it comes."""

    def __init__(self, tmp_path: Path, site: str, delay: float, settings: dict[str, str]) -> None:
        tmp_path.mkdir(parents=True, exist_ok=True)
        settings = {
            "KHABARAYN_BASE_URL": site,
            "AUTOTHROTTLE_ENABLED": "False",
            "DOWNLOAD_DELAY": f"{delay:g}",
            **settings,
        }
        self.process = start_crawl(tmp_path, settings=settings)
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()

    def wait_for(self, pattern: re.Pattern[str], timeout: float = 60) -> re.Match[str]:
        """The first match of ``pattern`` in the log, waited for."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for line in self.lines:
                    if found := pattern.search(line):
                        return found
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.process.poll() is not None:
                    raise AssertionError(f"no {pattern.pattern!r} in the crawl's log:\n{self.log()[-4000:]}")
                self.changed.wait(min(remaining, 0.5))

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, float]:
        """Send ``signum``; the exit status and the seconds it took to exit (the process is
        killed when it takes longer than :data:`PATIENCE`)."""
        sent = time.monotonic()
        self.process.send_signal(signum)
        try:
            status = self.process.wait(PATIENCE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait()
        elapsed = time.monotonic() - sent
        self.reader.join(5)
        return status, elapsed

    def log(self) -> str:
        with self.changed:
            return "".join(self.lines)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def run_status(url: str, run_id: int) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            status = connection.execute(text("SELECT status FROM crawl_runs WHERE id = :id"), {"id": run_id})
            return str(status.scalar_one())
    finally:
        engine.dispose()


@dataclass
class Stopped:
    """A crawl sent SIGTERM: its exit status, seconds from the signal to its exit, its log and
    its run row's status."""

    status: int
    seconds: float
    log: str
    run_status: str


@dataclass
class Outcome(Stopped):
    run_status_after_next_run: str


@pytest.fixture(scope="module")
def hung(tmp_path_factory: pytest.TempPathFactory, site: str) -> Iterator[Outcome]:
    """A crawl whose database stops answering, sent SIGTERM; then the next crawl."""
    with postgres_schema() as url:
        target = make_url(POSTGRES_URL)
        proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
        crawl = Crawl(
            tmp_path_factory.mktemp("hung"),
            site,
            0.5,
            {
                "DATABASE_URL": proxy.url_for(url),
                "KHABAR_STORE_BATCH_SIZE": "1",
                "KHABAR_DB_STATEMENT_TIMEOUT": "600",
                "KHABAR_SHUTDOWN_TIMEOUT": f"{SHUTDOWN_TIMEOUT:g}",
            },
        )
        try:
            run_id = int(crawl.wait_for(STARTED).group(1))
            proxy.freeze()
            time.sleep(2)  # the next item's write now hangs
            status, seconds = crawl.stop()
        finally:
            crawl.close()
            proxy.close()  # the server drops the hung session (and its locks)
        left = run_status(url, run_id)
        after = Crawl(tmp_path_factory.mktemp("next"), site, 0, {"DATABASE_URL": url})
        try:
            after.process.wait(300)
        finally:
            after.close()
        yield Outcome(status, seconds, crawl.log(), left, run_status(url, run_id))


def test_a_hung_crawl_exits_with_the_forced_stop_status(hung: Outcome) -> None:
    assert hung.status == FORCED_EXIT_STATUS == 1, hung.log[-4000:]


def test_a_hung_crawl_exits_soon_after_the_shutdown_timeout(hung: Outcome) -> None:
    assert SHUTDOWN_TIMEOUT <= hung.seconds < SHUTDOWN_TIMEOUT + 5, hung.log[-4000:]


def test_a_forced_stop_says_why_in_one_error_line(hung: Outcome) -> None:
    errors = [line[len("2026-11-27 05:30:00 ") :] for line in hung.log.splitlines() if " ERROR: " in line]
    assert errors == [
        "[khabar_crawler.runs.shutdown] ERROR: Forced stop: the crawl did not stop "
        f"within {SHUTDOWN_TIMEOUT:g} s of SIGTERM (blocked in a database call?); exiting with status 1"
    ], hung.log[-4000:]


def test_a_forced_stop_prints_no_traceback(hung: Outcome) -> None:
    assert "Traceback" not in hung.log, hung.log[-4000:]


def test_a_forced_stop_leaves_the_run_running(hung: Outcome) -> None:
    assert hung.run_status == "running"


def test_the_next_run_marks_a_forced_stop_killed(hung: Outcome) -> None:
    assert hung.run_status_after_next_run == "killed"


@pytest.fixture(scope="module")
def graceful(tmp_path_factory: pytest.TempPathFactory, site: str) -> Iterator[Stopped]:
    """A slow crawl whose database answers, sent SIGTERM."""
    directory = tmp_path_factory.mktemp("graceful")
    url = f"sqlite:///{directory / 'khabar.db'}"
    crawl = Crawl(directory, site, 1, {"DATABASE_URL": url, "KHABAR_SHUTDOWN_TIMEOUT": "60"})
    try:
        run_id = int(crawl.wait_for(STARTED).group(1))
        time.sleep(1)
        status, seconds = crawl.stop()
    finally:
        crawl.close()
    yield Stopped(status, seconds, crawl.log(), run_status(url, run_id))


def test_sigterm_stops_a_crawl_gracefully_with_status_0(graceful: Stopped) -> None:
    assert graceful.status == 0, graceful.log[-4000:]


def test_a_graceful_stop_logs_scrapys_line(graceful: Stopped) -> None:
    assert "Received SIGTERM, shutting down gracefully. Send again to force" in graceful.log


def test_a_graceful_stop_closes_the_spider_for_shutdown(graceful: Stopped) -> None:
    assert "Closing spider (shutdown)" in graceful.log, graceful.log[-4000:]


def test_a_graceful_stop_marks_the_run_interrupted(graceful: Stopped) -> None:
    assert graceful.run_status == "interrupted"


def test_a_graceful_stop_is_not_forced(graceful: Stopped) -> None:
    assert "Forced stop" not in graceful.log and "Traceback" not in graceful.log, graceful.log[-4000:]
