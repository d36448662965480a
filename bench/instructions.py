"""Instruction counts of the CPU-bound paths under ``valgrind --tool=callgrind``: figures that
do not move with the other tenants of the machine.

    python -m bench.instructions                     # slices of 60 and 300 articles; 10k vs 100k
    python -m bench.instructions --flat 10000,30000  # the flatness check on smaller databases
    python -m bench.instructions --repeat 2          # every count twice: how far two runs differ
    python -m bench.instructions --slice 4 --no-flat --no-postgres --no-write   # a smoke run

Each path runs in its own process under callgrind (``PYTHONHASHSEED=0``), once on a slice of
``N`` pages or articles and once on ``5N``; a figure is the *marginal* count, the difference of
the two totals over the difference of the pages (or articles) processed. What does not grow
with the slice (starting Python, importing Scrapy, opening the database, migrations, loading
the pages or items, the stages before the measured one) is in both totals and cancels out.

The paths: extraction per page (decoding + :func:`khabar_crawler.extract.extract_article`,
and the parse floor of ``bench.measure``); each item pipeline per article (clean, validate,
dedupe, store into SQLite and into PostgreSQL: the items are the spider's own, collected once
from a replay without valgrind; the stages before the measured one run on every item in both
runs); the engine ceiling per page, the replay with extraction and end to end per article (the
replay crawls of ``bench.measure``). PostgreSQL does its work in the server, outside the
measured process: its figures are the client's instructions only (SQLAlchemy, psycopg,
libpq). SQLite runs inside the process: its figures include the database's work.

Flatness: the end-to-end marginal per article, crawling the ``N``/``5N`` slices of new
articles into a copy of a database that already holds 10k articles, and one that holds 100k
(filled once through the real pipelines without valgrind, cached under the temporary
directory). The store flushes by batch size only here (``KHABAR_STORE_FLUSH_SECONDS`` at one
hour): under callgrind a crawl runs ~50x slower and the 5-second flush would cut batches that
at full speed reach 100 items.

The table goes into the section "Instruction counts" of docs/benchmarks.md (between its
markers) unless ``--no-write``; all figures into ``bench/.work/last-instructions.json``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- instructions:begin -->", "<!-- instructions:end -->"
#: cached snapshots' items and filled databases (outside the repository)
CACHE = Path(tempfile.gettempdir()) / "khabar-bench-instructions"
#: where the databases of the end-to-end slices start their article numbers (none of the
#: snapshot's 0..5N: every article of the slice is new to the filled database)
FILL_START = 1_000_000
STAGES = ("clean", "validate", "dedupe", "store")


def valgrind_available() -> bool:
    return shutil.which("valgrind") is not None


# --- inside the measured process -------------------------------------------------------------


def task_extract(which: str, snapshot: Path, load: int, count: int) -> dict[str, Any]:
    """``which`` (``ours`` or ``floor``) on the first ``count`` of ``load`` article pages (all
    ``load`` are read in every run, so that reading them cancels out)."""
    from bench.measure import EXTRACTORS, article_pages

    pages = article_pages(snapshot, load)
    function = EXTRACTORS[which]
    for page in pages[:count]:
        function(*page)
    return {"units": min(count, len(pages))}


def _pipeline_crawler(database_url: str | None, batch: int = 100) -> Any:
    from scrapy.utils.test import get_crawler

    from khabar_crawler.spiders.khabarayn import KhabaraynSpider

    settings: dict[str, Any] = {
        "KHABAR_STORE_BATCH_SIZE": batch,
        "KHABAR_STORE_FLUSH_SECONDS": 3600,
        "LOG_LEVEL": "ERROR",
    }
    if database_url:
        settings.update(
            {
                "DATABASE_URL": database_url,
                "EXTENSIONS_BASE": {},
                "EXTENSIONS": {"khabar_crawler.db.database.DatabaseExtension": 50},
            }
        )
    crawler = get_crawler(KhabaraynSpider, settings)
    spider = KhabaraynSpider.from_crawler(crawler)
    crawler.spider = spider
    return crawler


def _through(pipeline: Any, items: list[Any]) -> list[Any]:
    from scrapy.exceptions import DropItem

    passed = []
    for item in items:
        with suppress(DropItem):
            passed.append(pipeline.process_item(item))
    return passed


def task_pipeline(stage: str, items_file: Path, count: int, database_url: str | None) -> dict[str, Any]:
    """The item pipeline ``stage`` on the first ``count`` items of ``items_file`` (the spider's
    items, sorted by URL); the stages before it run on every item, in both runs."""
    from scrapy import signals

    from khabar_crawler.items import ArticleItem
    from pipelines.clean import CleanPipeline
    from pipelines.dedupe import DedupePipeline
    from pipelines.store import StorePipeline
    from pipelines.validate import ValidatePipeline

    items: list[Any] = pickle.loads(items_file.read_bytes())
    crawler = _pipeline_crawler(database_url if stage == "store" else None)
    classes: dict[str, Any] = {
        "clean": CleanPipeline,
        "validate": ValidatePipeline,
        "dedupe": DedupePipeline,
        "store": StorePipeline,
    }
    for before in STAGES[: STAGES.index(stage)]:
        items = _through(classes[before].from_crawler(crawler), items)
    chosen = items[:count]
    pipeline = classes[stage].from_crawler(crawler)
    if stage == "store":
        pipeline.open_spider(crawler.spider)
    _through(pipeline, chosen)
    if stage == "store":
        pipeline.close_spider(crawler.spider)
        crawler.signals.send_catch_log(signals.spider_closed, spider=crawler.spider, reason="finished")
        crawler.signals.send_catch_log(signals.engine_stopped)
    return {"units": sum(isinstance(item, ArticleItem) for item in chosen), "items": len(chosen)}


def task_crawl(mode: str, snapshot: Path, database_url: str | None) -> dict[str, Any]:
    from bench.measure import crawl

    result = crawl(mode, snapshot, database_url, overrides={"KHABAR_STORE_FLUSH_SECONDS": 3600})
    result["units"] = result["pages"] if mode == "ceiling" else result["count"]
    return result


def task_prepare(snapshot: Path, out: Path) -> dict[str, Any]:
    """The spider's items of a replay of ``snapshot`` (no item pipelines), sorted by URL,
    pickled to ``out``: the input of the pipeline paths."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from khabar_crawler.spiders.khabarayn import KhabaraynSpider

    settings = get_project_settings()
    settings.set("LOG_LEVEL", "ERROR")
    settings.set("TELNETCONSOLE_ENABLED", False)
    settings.set("ITEM_PIPELINES", {})
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(KhabaraynSpider)
    items: list[Any] = []

    def scraped(item: Any, **_: Any) -> None:
        items.append(item)

    crawler.signals.connect(scraped, signal=signals.item_scraped)  # weak: ``scraped`` lives on
    process.crawl(crawler, replay=str(snapshot))
    process.start()
    items.sort(key=lambda item: (item.url, type(item).__name__))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".part")
    partial.write_bytes(pickle.dumps(items))
    partial.replace(out)
    return {"items": len(items)}


def task_fill(database_url: str, count: int) -> dict[str, Any]:
    """A database holding ``count`` synthetic articles (numbers from :data:`FILL_START`), each
    cleaned, fingerprinted and stored by the real pipelines in batches of 1,000."""
    from scrapy import signals

    from bench.measure import synthetic_item
    from bench.synthetic import Corpus
    from pipelines.clean import CleanPipeline
    from pipelines.dedupe import fingerprint
    from pipelines.store import StorePipeline

    crawler = _pipeline_crawler(database_url, batch=1000)
    clean = CleanPipeline.from_crawler(crawler)
    store = StorePipeline.from_crawler(crawler)
    store.open_spider(crawler.spider)
    started = time.perf_counter()
    for article in Corpus().articles(count, start=FILL_START):
        item = synthetic_item(article)
        clean.process_item(item)
        fingerprint(item)
        store.process_item(item)
    store.close_spider(crawler.spider)
    crawler.signals.send_catch_log(signals.spider_closed, spider=crawler.spider, reason="finished")
    crawler.signals.send_catch_log(signals.engine_stopped)
    return {"articles": count, "seconds": round(time.perf_counter() - started, 1)}


HELPER_SOURCE = """#include <valgrind/callgrind.h>
void khabar_callgrind_start(void) { CALLGRIND_START_INSTRUMENTATION; }
"""


def helper_library() -> Path | None:
    """A one-function C library that switches callgrind's instrumentation on (a client
    request), compiled once; None without a C compiler or valgrind's headers."""
    library = CACHE / "callgrind_start.so"
    if library.exists():
        return library
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    source = CACHE / "callgrind_start.c"
    source.write_text(HELPER_SOURCE)
    partial = CACHE / f"callgrind_start.{os.getpid()}.so"
    done = subprocess.run(
        [compiler, "-O1", "-shared", "-fPIC", "-o", str(partial), str(source)], capture_output=True
    )
    if done.returncode:
        return None
    partial.replace(library)
    return library


def _start_instrumentation() -> None:
    """Switch callgrind's instrumentation on (run with ``--instr-atstart=no``): what ran before
    (starting Python, the imports below) ran uninstrumented, several times faster, and is not
    counted. Without the helper everything is counted; the marginal cancels it either way."""
    library = os.environ.get("KHABAR_CALLGRIND_HELPER")
    if library:
        import ctypes

        ctypes.CDLL(library).khabar_callgrind_start()


PRELOADED = (
    "scrapy.crawler",
    "scrapy.utils.test",
    "sqlalchemy",
    "bench.measure",
    "khabar_crawler.spiders.khabarayn",
    "pipelines.clean",
    "pipelines.validate",
    "pipelines.dedupe",
    "pipelines.store",
)


def _import_everything() -> None:
    """The modules the tasks use, imported before the instrumentation starts."""
    for name in PRELOADED:
        importlib.import_module(name)


def task_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions task")
    parser.add_argument("name", choices=["extract", "pipeline", "crawl", "prepare", "fill"])
    parser.add_argument("--which", default="ours")
    parser.add_argument("--stage", default="clean")
    parser.add_argument("--mode", default="ceiling")
    parser.add_argument("--snapshot", type=Path)
    parser.add_argument("--items", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--load", type=int, default=0)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    _import_everything()
    _start_instrumentation()
    if args.name == "extract":
        result = task_extract(args.which, args.snapshot, args.load, args.count)
    elif args.name == "pipeline":
        result = task_pipeline(args.stage, args.items, args.count, args.database_url)
    elif args.name == "crawl":
        result = task_crawl(args.mode, args.snapshot, args.database_url)
    elif args.name == "prepare":
        result = task_prepare(args.snapshot, args.out)
    else:
        result = task_fill(args.database_url, args.count)
    print(json.dumps(result))


# --- the orchestrator ------------------------------------------------------------------------


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"}


def _task(*args: str) -> list[str]:
    return [sys.executable, "-m", "bench.instructions", "task", *args]


def _last_json(stdout: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    return result


def run_plain(args: list[str]) -> dict[str, Any]:
    done = subprocess.run(_task(*args), cwd=ROOT, env=_env(), capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return _last_json(done.stdout)


def callgrind(args: list[str], out_dir: Path) -> tuple[int, dict[str, Any]]:
    """Run a task under callgrind: (instructions executed from the task's start, its result).
    With the helper library the imports run uninstrumented; without it the count is the
    whole process's."""
    out_dir.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="callgrind.out.", dir=out_dir)
    os.close(handle)
    library = helper_library()
    options = ["--instr-atstart=no"] if library else []
    env = {**_env(), "KHABAR_CALLGRIND_HELPER": str(library)} if library else _env()
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", *options, f"--callgrind-out-file={name}", *_task(*args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"callgrind {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    total = None
    for line in Path(name).read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            total = int(line.split()[1])
            break
    if total is None:
        raise RuntimeError(f"no summary line in {name}")
    Path(name).unlink()
    return total, _last_json(done.stdout)


@dataclass
class Probe:
    """One measured path: ``args(k)`` are the task's arguments for a slice of ``k``."""

    key: str
    label: str
    unit: str
    args: Callable[[int], list[str]]
    setup: Callable[[int], Any] | None = None  # a context manager factory: yields extra args
    note: str = ""


@dataclass
class Measured:
    key: str
    label: str
    unit: str
    marginals: list[float] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def value(self) -> float:
        return statistics.median(self.marginals)

    def summary(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "unit": self.unit,
            "per_unit": round(self.value),
            "marginals": [round(m) for m in self.marginals],
            "runs": self.runs,
        }


@contextmanager
def _nothing(size: int) -> Iterator[list[str]]:
    yield []


@contextmanager
def _sqlite(size: int, work: Path, template: Path | None = None) -> Iterator[list[str]]:
    handle, name = tempfile.mkstemp(suffix=".db", dir=work)
    os.close(handle)
    database = Path(name)
    if template is not None:
        shutil.copyfile(template, database)
    else:
        database.unlink()
    try:
        yield ["--database-url", f"sqlite:///{database}"]
    finally:
        for suffix in ("", "-wal", "-shm", "-journal", ".migrate.lock"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)


@contextmanager
def _postgres(size: int) -> Iterator[list[str]]:
    from bench.postgres import fresh_schema
    from bench.search import POSTGRES_URL

    with fresh_schema(POSTGRES_URL, "bench_instr") as url:
        yield ["--database-url", url]


def postgres_available() -> bool:
    from sqlalchemy import create_engine, text

    from bench.search import POSTGRES_URL

    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:  # any failure means: no server to measure against
        return False
    return True


def filled_database(count: int) -> Path:
    """A SQLite database holding ``count`` articles, filled once (without valgrind) and cached."""
    CACHE.mkdir(parents=True, exist_ok=True)
    # a new migration makes a new database (an old one would be migrated inside the counts)
    versions = ROOT / "khabar_crawler" / "db" / "migrations" / "versions"
    schema = sorted(p.stem for p in versions.glob("[0-9]*.py"))
    database = CACHE / f"filled-{count}-{schema[-1] if schema else 'none'}.db"
    if not database.exists():
        partial = CACHE / f"filled-{count}.part.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
        run_plain(["fill", "--database-url", f"sqlite:///{partial}", "--count", str(count)])
        from sqlalchemy import create_engine, text

        engine = create_engine(f"sqlite:///{partial}")
        with engine.connect() as connection:
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            connection.execute(text("PRAGMA journal_mode=DELETE"))
        engine.dispose()
        partial.replace(database)
        Path(f"{partial}.migrate.lock").unlink(missing_ok=True)
    return database


def prepared_items(site: Path, work: Path) -> Path:
    """The spider's items of ``site``, collected by a replay without valgrind (every run: they
    follow the extractor)."""
    out = work / f"items-{site.name}.pickle"
    run_plain(["prepare", "--snapshot", str(site), "--out", str(out)])
    return out


def paths(
    small: Path, large: Path, slice_: int, factor: int, work: Path, postgres: bool, flat: list[int]
) -> list[Probe]:
    """The paths; ``args(k)`` with ``k`` the slice (``slice_`` or ``slice_ * factor``)."""
    load = str(slice_ * factor)
    sites = {slice_: small, slice_ * factor: large}
    items = prepared_items(large, work)

    def extraction(which: str) -> Callable[[int], list[str]]:
        return lambda k: [
            "extract",
            "--which",
            which,
            "--snapshot",
            str(large),
            "--load",
            load,
            "--count",
            str(k),
        ]

    def pipeline(stage: str) -> Callable[[int], list[str]]:
        return lambda k: ["pipeline", "--stage", stage, "--items", str(items), "--count", str(k)]

    found: list[Probe] = [
        Probe(
            "floor",
            "parse floor (decode, lxml parse, the extractor's node lookups)",
            "page",
            extraction("floor"),
        ),
        Probe("ours", "our extraction (decode + extract_article)", "page", extraction("ours")),
    ]
    for stage in STAGES:
        found.append(
            Probe(
                stage if stage != "store" else "store_sqlite",
                f"{stage} pipeline" + (" into SQLite" if stage == "store" else ""),
                "article",
                pipeline(stage),
                setup=(lambda size: _sqlite(size, work)) if stage == "store" else None,
            )
        )
    if postgres:
        found.append(
            Probe(
                "store_postgresql",
                "store pipeline into PostgreSQL (client side only)",
                "article",
                pipeline("store"),
                setup=_postgres,
            )
        )
    found += [
        Probe(
            "ceiling",
            "engine ceiling (replay, no extraction, no pipelines)",
            "page",
            lambda k: ["crawl", "--mode", "ceiling", "--snapshot", str(sites[k])],
        ),
        Probe(
            "extract",
            "replay with extraction, no item pipelines",
            "article",
            lambda k: ["crawl", "--mode", "extract", "--snapshot", str(sites[k])],
        ),
        Probe(
            "e2e_sqlite",
            "end to end into SQLite (empty database)",
            "article",
            lambda k: ["crawl", "--mode", "e2e", "--snapshot", str(sites[k])],
            setup=lambda size: _sqlite(size, work),
        ),
    ]
    if postgres:
        found.append(
            Probe(
                "e2e_postgresql",
                "end to end into PostgreSQL (empty schema; client side only)",
                "article",
                lambda k: ["crawl", "--mode", "e2e", "--snapshot", str(sites[k])],
                setup=_postgres,
            )
        )
    for holding in flat:
        template = filled_database(holding)
        found.append(
            Probe(
                f"e2e_sqlite_{holding}",
                f"end to end into SQLite holding {holding:,} articles",
                "article",
                lambda k: ["crawl", "--mode", "e2e", "--snapshot", str(sites[k])],
                setup=partial(_sqlite, work=work, template=template),
            )
        )
    return found


def measure_all(
    found: list[Probe], slice_: int, factor: int, repeat: int, jobs: int, work: Path
) -> dict[str, Measured]:
    measured = {p.key: Measured(p.key, p.label, p.unit) for p in found}
    jobs_list = [(p, size, r) for r in range(repeat) for p in found for size in (slice_, slice_ * factor)]

    def one(job: tuple[Probe, int, int]) -> tuple[str, int, int, int, dict[str, Any], float]:
        path, size, round_ = job
        started = time.perf_counter()
        setup = path.setup or _nothing
        with setup(size) as extra:
            total, result = callgrind(path.args(size) + extra, work / "callgrind")
        return path.key, size, round_, total, result, time.perf_counter() - started

    results: dict[tuple[str, int, int], tuple[int, dict[str, Any]]] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for future in as_completed([pool.submit(one, job) for job in jobs_list]):
            key, size, round_, total, result, seconds = future.result()
            results[(key, size, round_)] = (total, result)
            print(
                f"  {key} slice {size} (run {round_ + 1}): {total:,} instructions, "
                f"{result['units']} {measured[key].unit}s, {seconds:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    for path in found:
        entry = measured[path.key]
        for r in range(repeat):
            (small_total, small), (large_total, large) = (
                results[(path.key, slice_, r)],
                results[(path.key, slice_ * factor, r)],
            )
            units = large["units"] - small["units"]
            if units <= 0:
                raise RuntimeError(f"{path.key}: no more {path.unit}s in the larger slice")
            entry.marginals.append((large_total - small_total) / units)
            entry.runs.append(
                {
                    "small": {"instructions": small_total, "units": small["units"]},
                    "large": {"instructions": large_total, "units": large["units"]},
                }
            )
    return measured


def run(
    slice_: int = 60,
    factor: int = 5,
    repeat: int = 1,
    jobs: int = 2,
    postgres: bool = True,
    flat: list[int] | None = None,
    only: list[str] | None = None,
) -> dict[str, Any]:
    """Every path (or those of ``only``) counted ``repeat`` times; the figures as a dict."""
    from bench import snapshot

    flat = flat or []
    work_root = ROOT / "bench" / ".work"
    work_root.mkdir(parents=True, exist_ok=True)
    small = snapshot.build(slice_, work_root / f"site-{slice_}")
    large = snapshot.build(slice_ * factor, work_root / f"site-{slice_ * factor}")
    postgres = postgres and postgres_available()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-callgrind-") as temporary:
        work = Path(temporary)
        found = paths(small, large, slice_, factor, work, postgres, flat)
        found = [probe for probe in found if not only or probe.key in only]
        measured = measure_all(found, slice_, factor, repeat, jobs, work)
    return {
        "slice": slice_,
        "factor": factor,
        "repeat": repeat,
        "postgres": postgres,
        "flat": flat,
        "seconds": round(time.perf_counter() - started),
        "paths": {key: m.summary() for key, m in measured.items()},
    }


def _millions(value: float) -> str:
    return f"{value / 1e6:.2f} M"


def _spread(marginals: list[float]) -> str:
    if len(marginals) < 2:
        return ""
    low, high = min(marginals), max(marginals)
    return f"{_millions(low)} - {_millions(high)} ({(high / low - 1) * 100:.2f}%)" if low else ""


def table(results: dict[str, Any], command: str) -> str:
    found = results["paths"]
    slice_, factor = results["slice"], results["factor"]

    def value(key: str) -> float:
        return float(found[key]["per_unit"])

    lines = [
        f"Generated by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: valgrind "
        f"{_valgrind_version()}, marginal counts between slices of {slice_} and "
        f"{slice_ * factor} articles ({results['repeat']} run(s) of each; "
        f"{results['seconds']} s on {os.cpu_count()} cores). M: millions.",
        "",
        "| path | instructions | per | repeated runs: lowest - highest (spread) | ratio | target |",
        "|---|---|---|---|---|---|",
    ]
    ratios: dict[str, tuple[str, str]] = {}
    if "ours" in found and "floor" in found:
        ratios["ours"] = (f"{value('ours') / value('floor'):.2f}x the floor", "")
    if "ceiling" in found and "extract" in found and "e2e_sqlite" in found:
        ceiling = value("ceiling")
        ratios["extract"] = (f"{value('extract') / ceiling:.2f}x the ceiling", "")
        ratios["e2e_sqlite"] = (f"{value('e2e_sqlite') / ceiling:.2f}x the ceiling", "<= 3x the ceiling")
        if "e2e_postgresql" in found:
            ratios["e2e_postgresql"] = (f"{value('e2e_postgresql') / ceiling:.2f}x the ceiling", "")
    flat = [int(n) for n in results["flat"]]
    if len(flat) >= 2 and all(f"e2e_sqlite_{n}" in found for n in flat):
        base = f"e2e_sqlite_{flat[0]}"
        for holding in flat[1:]:
            ratios[f"e2e_sqlite_{holding}"] = (
                f"{value(f'e2e_sqlite_{holding}') / value(base):.3f}x that at {flat[0]:,}",
                "<= 1.1x (100k vs 10k)",
            )
    for key, entry in found.items():
        ratio, target = ratios.get(key, ("", ""))
        lines.append(
            f"| {entry['label']} | {_millions(entry['per_unit'])} | {entry['unit']} | "
            f"{_spread(entry['marginals'])} | {ratio} | {target} |"
        )
    return "\n".join(lines)


def _valgrind_version() -> str:
    try:
        done = subprocess.run(["valgrind", "--version"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "missing"
    return done.stdout.strip().removeprefix("valgrind-")


def write(block: str) -> None:
    doc = DOC.read_text("utf-8")
    start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
    DOC.write_text(doc[:start] + "\n" + block + "\n" + doc[end:], "utf-8")


def save(results: dict[str, Any], name: str = "last-instructions.json") -> Path:
    """``results`` as JSON under bench/.work (``name``); the path."""
    out = ROOT / "bench" / ".work" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), "utf-8")
    return out


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["task"]:
        task_main(argv[1:])
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--slice", type=int, default=60, help="articles of the small slice (N)")
    parser.add_argument("--factor", type=int, default=5, help="the large slice is N x this")
    parser.add_argument("--repeat", type=int, default=1, help="runs of every count")
    parser.add_argument("--jobs", type=int, default=2, help="callgrind processes at a time")
    parser.add_argument(
        "--flat", default="10000,100000", help="database sizes of the flatness check (first = base)"
    )
    parser.add_argument("--no-flat", action="store_true")
    parser.add_argument("--paths", default="", help="only these paths (keys, comma-separated)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="print, do not rewrite docs/benchmarks.md")
    args = parser.parse_args(argv)
    if not valgrind_available():
        print("valgrind is not installed: no instruction counts")
        return
    flat = [] if args.no_flat else [int(n) for n in args.flat.split(",")]
    only = [key for key in args.paths.split(",") if key]
    results = run(args.slice, args.factor, args.repeat, args.jobs, not args.no_postgres, flat, only)
    command = "python -m bench.instructions" + (f" {' '.join(argv)}" if argv else "")
    print(f"all figures: {save(results).relative_to(ROOT)}")
    block = table(results, command)
    print(block)
    if not args.no_write:
        write(block)


if __name__ == "__main__":
    main()
