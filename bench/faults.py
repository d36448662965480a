"""An operator's bad day, replayed: the fault scenarios of issue 15 against a synthetic site of N
articles served on loopback, each on a fresh database, printed as a Markdown table.

    python -m bench.faults                                  # 3,000 articles, SQLite and PostgreSQL
    python -m bench.faults --articles 300 --backend sqlite  # a smoke run (a few minutes)

Scenarios (each a function below; a scenario is skipped with its reason where it cannot run):

- ``kill -9`` of a live crawl at three random points (seeded), then one ordinary rerun; with and
  without ``JOBDIR`` (the same for every run);
- the database unreachable for 4 s during a live crawl, then a rerun (PostgreSQL, through a TCP
  proxy that is cut: ``bench/tcp_proxy.py``);
- PostgreSQL cut for 30 s during a replay (``-a replay=<snapshot>``), then a rerun (same);
- SQLite locked for 100 s by another connection holding ``BEGIN EXCLUSIVE``, then a rerun;
- a full disk: the SQLite database on a small tmpfs (root only), then the disk grown and a rerun.

Columns: the exit status of each crawl and the status of each ``crawl_runs`` row (in order, the
last one the ordinary rerun), articles stored of the site's, ``rejected_pages`` rows, lines left
in the spool, and whether each closed run's ``items_new`` equals the article rows it stored first
("counts"; killed runs never closed, they have none).
PostgreSQL scenarios use a schema of their own on ``KHABAR_BENCH_POSTGRES_URL`` (default
postgresql+psycopg://postgres@127.0.0.1:5432/test), dropped afterwards; the server itself is
never stopped: the outages are a proxy's.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bench import snapshot
from bench.postgres import fresh_schema
from bench.tcp_proxy import TcpProxy
from khabar_crawler.db.models import Article, CrawlRun, RejectedPage
from khabar_crawler.site import DEFAULT_SITE_URL
from khabar_crawler.snapshot.manifest import Snapshot
from khabar_crawler.snapshot.serve import SnapshotHandler, SnapshotServer

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work"
POSTGRES_URL = os.environ.get(
    "KHABAR_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SEED = 15
ARTICLE_PATH = re.compile(r"^/news/\d+/[^/]+/$")
#: a crawl of a server on loopback: no politeness delays
LOCAL = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0", "RETRY_TIMES": "1", "LOG_LEVEL": "INFO"}
#: the longest one crawl may take before the bench gives up on it
CRAWL_TIMEOUT = 1800.0


# --- the site ----------------------------------------------------------------------------


class CountingHandler(SnapshotHandler):
    server: Site

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        super().do_GET()
        if ARTICLE_PATH.match(self.path.split("?")[0]):
            with self.server.lock:
                self.server.article_requests += 1


class Site(SnapshotServer):
    """The synthetic snapshot served on 127.0.0.1, counting the article pages it answered."""

    def __init__(self, directory: Path, count: int) -> None:
        super().__init__(Snapshot(directory), DEFAULT_SITE_URL, ("127.0.0.1", 0))
        self.RequestHandlerClass = CountingHandler
        self.directory, self.count = directory, count
        self.lock = threading.Lock()
        self.article_requests = 0

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a killed crawl's connections reset

    def answered(self) -> int:
        with self.lock:
            return self.article_requests


# --- crawls and databases ----------------------------------------------------------------


@dataclass
class Scenario:
    """One scenario's run: its databases, crawls and figures."""

    name: str
    backend: str
    site: Site
    work: Path
    db_url: str
    settings: dict[str, str] = field(default_factory=dict)
    exits: list[int | None] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def command(self, *args: str, **settings: str) -> list[str]:
        replay = any(arg.startswith("replay=") for arg in args)  # the site's own URLs
        every = {
            "DATABASE_URL": self.db_url,
            **({} if replay else {"KHABARAYN_BASE_URL": self.site.base_url}),
            "KHABAR_SPOOL_DIR": str(self.work / "spool"),
            **LOCAL,
            **self.settings,
            **settings,
        }
        command = [sys.executable, "-m", "scrapy", "crawl", "khabarayn", *args]
        for key, value in every.items():
            command += ["-s", f"{key}={value}"]
        return command

    def start(self, *args: str, **settings: str) -> subprocess.Popen[bytes]:
        with (self.work / f"crawl-{len(self.exits) + 1}.log").open("wb") as log:
            return subprocess.Popen(
                self.command(*args, **settings),
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    def wait(self, process: subprocess.Popen[bytes]) -> None:
        try:
            self.exits.append(process.wait(timeout=CRAWL_TIMEOUT))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            self.exits.append(None)

    def crawl(self, *args: str, **settings: str) -> None:
        """One crawl to its end."""
        self.wait(self.start(*args, **settings))

    def stored(self, url: str | None = None) -> int:
        """Article rows now (0 while the database cannot say)."""
        engine = create_engine(url or self.db_url)
        try:
            with engine.connect() as connection:
                return int(connection.scalar(select(func.count()).select_from(Article)) or 0)
        except SQLAlchemyError:
            return 0
        finally:
            engine.dispose()

    def skipped(self, reason: str) -> Row:
        return Row(self.name, self.backend, [], [], "-", 0, 0, "-", 0.0, f"skipped: {reason}")

    def result(self, note: str = "") -> Row:
        engine = create_engine(self.db_url)
        try:
            with engine.connect() as connection:
                runs = connection.execute(
                    select(CrawlRun.id, CrawlRun.status, CrawlRun.items_new).order_by(CrawlRun.id)
                ).all()
                stored = connection.scalar(select(func.count(func.distinct(Article.canonical_url))))
                rejected = connection.scalar(select(func.count()).select_from(RejectedPage))
                first_stored = dict(
                    connection.execute(
                        select(Article.first_run_id, func.count()).group_by(Article.first_run_id)
                    ).all()
                )
        finally:
            engine.dispose()
        spool = sum(
            len(path.read_text("utf-8").splitlines()) for path in (self.work / "spool").glob("*.jsonl")
        )
        # a closed run's items_new against the articles it stored first (killed runs never
        # closed: they have no counts)
        wrong = [
            f"run {run_id}: items_new {items_new}, rows {first_stored.get(run_id, 0)}"
            for run_id, status, items_new in runs
            if status not in ("killed", "running") and items_new != first_stored.get(run_id, 0)
        ]
        return Row(
            self.name,
            self.backend,
            self.exits,
            [status for _, status, _ in runs],
            f"{stored}/{self.site.count}",
            int(rejected or 0),
            spool,
            "; ".join(wrong) or "yes",
            time.monotonic() - self.started,
            "; ".join([note, *self.alarms()]),
        )

    def alarms(self) -> list[str]:
        """The alarms the crawls raised, as ``crawl N: ALARM name``."""
        found = []
        for number in range(1, len(self.exits) + 1):
            log = self.work / f"crawl-{number}.log"
            text = log.read_text("utf-8", errors="replace") if log.exists() else ""
            found += [f"crawl {number}: ALARM {name}" for name in re.findall(r"ALARM (\w+)", text)]
        return found


@dataclass
class Row:
    scenario: str
    backend: str
    exits: list[int | None]
    statuses: list[str]
    stored: str
    rejected: int
    spool: int
    counts: str
    seconds: float
    note: str = ""

    def markdown(self) -> str:
        exits = " ".join("timeout" if code is None else str(code) for code in self.exits)
        cells = [self.scenario, self.backend, exits, " ".join(self.statuses), self.stored]
        cells += [str(self.rejected), str(self.spool), self.counts, f"{self.seconds:.0f}", self.note]
        return "| " + " | ".join(cells) + " |"


HEADER = (
    "| scenario | backend | exit statuses | run statuses | articles stored / site | rejected_pages "
    "| spool lines | counts | seconds | note |\n|---|---|---|---|---|---|---|---|---|---|"
)


@contextmanager
def database(backend: str, work: Path) -> Iterator[str]:
    """A fresh database: a SQLite file in ``work``, or a PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{work / 'khabar.db'}"
        return
    with fresh_schema(POSTGRES_URL, "bench_faults") as url:
        yield url


def wait_until(done: Callable[[], bool], process: subprocess.Popen[bytes], limit: float = 600) -> None:
    """Until ``done()`` or the process ended (or ``limit`` seconds)."""
    deadline = time.monotonic() + limit
    while process.poll() is None and time.monotonic() < deadline and not done():
        time.sleep(0.01)


# --- the scenarios -----------------------------------------------------------------------


def kill_three_times(run: Scenario, jobdir: bool) -> Row:
    """``kill -9`` at three random points (after a random number of the articles not stored
    yet were answered, plus up to 0.4 s), then an ordinary rerun."""
    if jobdir:
        run.settings["JOBDIR"] = str(run.work / "job")
    rng = random.Random(SEED)
    points = []
    for _ in range(3):
        after = rng.randint(1, max(1, (run.site.count - run.stored()) * 2 // 3))
        waited = rng.uniform(0.0, 0.4)
        start = run.site.answered()
        process = run.start()
        wait_until(lambda: run.site.answered() - start >= after, process)  # noqa: B023 (called here)
        time.sleep(waited)
        process.kill()
        run.wait(process)
        points.append(str(after))
    run.crawl()
    return run.result(f"killed after {', '.join(points)} article pages")


def postgres_cut(run: Scenario, seconds: float, replay: bool) -> Row:
    """The database cut (a TCP proxy in front of PostgreSQL) for ``seconds`` once a third of
    the site is fetched (live) or the first articles are stored (replay), then a rerun."""
    target = make_url(POSTGRES_URL)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    direct, args = run.db_url, ("-a", f"replay={run.site.directory}") if replay else ()
    try:
        run.db_url = proxy.url_for(direct)
        start = run.site.answered()
        process = run.start(*args)
        if replay:
            wait_until(lambda: run.stored(direct) > 0, process)
        else:
            wait_until(lambda: run.site.answered() - start >= run.site.count // 3, process)
        proxy.cut()
        time.sleep(seconds)
        proxy.restore()
        run.wait(process)
        run.crawl(*args)
    finally:
        run.db_url = direct
        proxy.close()
    return run.result(f"cut for {seconds:g} s")


def sqlite_locked(run: Scenario, seconds: float = 100) -> Row:
    """Another connection holds ``BEGIN EXCLUSIVE`` on the file for ``seconds`` once the first
    articles are stored; then a rerun."""
    path = make_url(run.db_url).database or ""
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        connection = sqlite3.connect(path, timeout=60, isolation_level=None)
        try:
            connection.execute("BEGIN EXCLUSIVE")
            locked.set()
            release.wait(seconds)
            connection.execute("ROLLBACK")
        finally:
            connection.close()

    process = run.start()
    wait_until(lambda: run.stored() > 0, process)
    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    run.wait(process)
    release.set()
    holder.join()
    run.crawl()
    return run.result(f"locked {seconds:g} s" if locked.is_set() else "the lock was never taken")


def full_disk(run: Scenario) -> Row:
    """The SQLite database on a tmpfs that fills up during the crawl (about a quarter of the
    site), then the disk grown (remount) and a rerun. Root only."""
    if os.geteuid() != 0:
        return run.skipped("mounting a tmpfs needs root")
    disk = run.work / "disk"
    disk.mkdir()
    size = max(3, run.site.count * 6 // 1000)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}m", "tmpfs", str(disk)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        return run.skipped(f"cannot mount a tmpfs ({mounted.stderr.decode().strip()})")
    try:
        run.db_url = f"sqlite:///{disk / 'khabar.db'}"
        run.settings["KHABAR_DB_RETRY_SECONDS"] = "2"
        run.crawl()
        subprocess.run(["mount", "-o", f"remount,size={size * 20}m", str(disk)], check=True)
        run.crawl()
        return run.result(f"a {size} MB disk, then {size * 20} MB")
    finally:
        if subprocess.run(["umount", str(disk)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(disk)], check=False)


SCENARIOS: list[tuple[str, tuple[str, ...], Callable[[Scenario], Row]]] = [
    ("kill -9 ×3, rerun", ("sqlite", "postgresql"), lambda run: kill_three_times(run, jobdir=False)),
    ("kill -9 ×3, rerun (JOBDIR)", ("sqlite", "postgresql"), lambda run: kill_three_times(run, jobdir=True)),
    ("database cut 4 s (live), rerun", ("postgresql",), lambda run: postgres_cut(run, 4, replay=False)),
    ("PostgreSQL cut 30 s (replay), rerun", ("postgresql",), lambda run: postgres_cut(run, 30, replay=True)),
    ("SQLite locked 100 s, rerun", ("sqlite",), sqlite_locked),
    ("disk full, grown, rerun", ("sqlite",), full_disk),
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    directory = snapshot.build(args.articles, WORK / f"site-{args.articles}")
    site = Site(directory, args.articles)
    site.start()
    print(HEADER, flush=True)
    try:
        for name, runs_on, scenario in SCENARIOS:
            for backend in (b for b in backends if b in runs_on):
                slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
                work = WORK / "faults" / f"{slug}-{backend}-{uuid.uuid4().hex[:8]}"
                work.mkdir(parents=True)
                with database(backend, work) as url:
                    print(scenario(Scenario(name, backend, site, work, url)).markdown(), flush=True)
    finally:
        site.shutdown()
        site.server_close()


if __name__ == "__main__":
    main()
