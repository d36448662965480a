"""Run the benchmark suite and write its table into docs/benchmarks.md.

    python -m bench                   # 1k, 10k and 100k article snapshots, search on 100k articles
    python -m bench --quick           # a smoke run (200 articles, search on 2k)
    python -m bench --sizes 1000,10000
    python -m bench --no-realworld    # without the real pages of ../shared/realworld
    python -m bench --instructions    # also the callgrind counts (bench.instructions)

Every wall-clock figure is taken in ``--rounds`` rounds (3 by default), in turns: round 1 runs
each measurement once, round 2 again in a rotated order, and so on; the table shows the median
with the lowest and highest round, and each ratio is computed within a round (both figures
minutes apart at most) before it is summarised the same way.

The real pages (``bench.realworld``, about 20 s) run in both modes when ``../shared/realworld``
is there; its table goes into its own section of docs/benchmarks.md (full mode only). With
``--instructions`` the instruction counts (``bench.instructions``: slices of 60 and 300
articles, flatness at 10k and 100k; with ``--quick`` slices of 4 and 12 and no flatness) go
into the section "Instruction counts" (full mode only); without valgrind they are skipped.

Each measurement runs in its own process (``bench.measure``), so peak RSS is its own (the three
extractors share one, taking turns on the same pages). Figures are compared as ratios within
one run: this machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench import instructions, quality, realworld, search, snapshot

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
POSTGRES_URL = search.POSTGRES_URL


def measure(*args: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.measure", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def fresh_postgres_schema() -> str:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


def drop_postgres_schema(url: str) -> None:
    schema = url.rsplit("%3D", 1)[-1]
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def rotated(names: list[str], turn: int) -> list[str]:
    """``names`` starting at ``turn``: each round begins with another measurement."""
    turn %= len(names)
    return names[turn:] + names[:turn]


def run_size(site: Path, size: int, rounds: int, postgres: bool) -> list[dict[str, Any]]:
    """Every measurement of a snapshot, ``rounds`` times in turns (A/B/C, B/C/A, C/A/B, ...):
    each round holds one figure of each, taken minutes apart at most, so that a ratio computed
    within a round sees the same machine."""
    work = search.WORK
    pages = str(min(size, 2000))
    database = work / f"e2e-{size}.db"

    def extraction() -> dict[str, Any]:
        # the three extractors in one process, in turns (see bench.measure.interleaved)
        return measure("extraction", "--mode", "interleaved", "--snapshot", str(site), "--count", pages)

    def e2e_sqlite() -> dict[str, Any]:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{database}"
        return {
            "e2e_sqlite": measure("crawl", "--mode", "e2e", "--snapshot", str(site), "--database-url", url)
        }

    def e2e_postgresql() -> dict[str, Any]:
        url = fresh_postgres_schema()
        try:
            return {
                "e2e_postgresql": measure(
                    "crawl", "--mode", "e2e", "--snapshot", str(site), "--database-url", url
                )
            }
        finally:
            drop_postgres_schema(url)

    tasks = {
        "extraction": extraction,
        "ceiling": lambda: {"ceiling": measure("crawl", "--mode", "ceiling", "--snapshot", str(site))},
        "extract": lambda: {"extract": measure("crawl", "--mode", "extract", "--snapshot", str(site))},
        "e2e_sqlite": e2e_sqlite,
    }
    if postgres:
        tasks["e2e_postgresql"] = e2e_postgresql
    done = []
    for turn in range(rounds):
        row: dict[str, Any] = {}
        for name in rotated(list(tasks), turn):
            row.update(tasks[name]())
        done.append(row)
    return done


def run_storage(items: int, rounds: int, postgres: bool) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """The storage pipeline alone at batches of 1, 100 and 1,000, ``rounds`` times: each round
    one process a back end, the three batch sizes in it one after the other (in a rotated
    order), each on a new database."""
    work = search.WORK
    found: dict[int, dict[str, list[dict[str, Any]]]] = {b: {"sqlite": [], "postgresql": []} for b in BATCHES}
    backends = ["sqlite", "postgresql"] if postgres else ["sqlite"]
    for turn in range(rounds):
        order = [BATCHES[(i + turn) % len(BATCHES)] for i in range(len(BATCHES))]
        for backend in rotated(backends, turn):
            urls = []
            if backend == "sqlite":
                for batch in order:
                    database = work / f"storage-{batch}.db"
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{database}{suffix}").unlink(missing_ok=True)
                    urls.append(f"sqlite:///{database}")
            else:
                urls = [fresh_postgres_schema() for _ in order]
            try:
                args = ["storage", "--batch", ",".join(map(str, order)), "--count", str(items)]
                for url in urls:
                    args += ["--database-url", url]
                measured = measure(*args)
            finally:
                if backend == "postgresql":
                    for url in urls:
                        drop_postgres_schema(url)
            for batch in order:
                found[batch][backend].append(measured[str(batch)])
    return found


BATCHES = (1, 100, 1000)


def run(
    sizes: list[int],
    search_articles: int,
    search_queries: int,
    storage_items: int,
    postgres: bool,
    rounds: int = 3,
) -> dict[str, Any]:
    results: dict[str, Any] = {"rounds": rounds, "sizes": {}, "storage": {}}
    work = search.WORK
    work.mkdir(exist_ok=True)
    for size in sizes:
        site = snapshot.build(size, work / f"site-{size}")
        results["sizes"][size] = run_size(site, size, rounds, postgres)
    results["storage"] = run_storage(storage_items, rounds, postgres)
    results["search"] = search.run(search_articles, search_queries, postgres=postgres)
    results["quality"] = quality.run()
    return results


def _number(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def spread(values: list[float], digits: int = 1, suffix: str = "") -> str:
    """``median (min - max)`` of the rounds' figures."""
    if not values:
        return "n/a"
    middle = statistics.median(values)
    if len(values) == 1:
        return f"{_number(middle, digits)}{suffix}"
    low, high = min(values), max(values)
    return f"{_number(middle, digits)}{suffix} ({_number(low, digits)} - {_number(high, digits)})"


def ratios(rounds: list[dict[str, Any]], top: str, bottom: str) -> list[float]:
    """``top / bottom`` (their rates) in each round."""
    return [
        row[top]["rate"] / row[bottom]["rate"]
        for row in rounds
        if top in row and bottom in row and row[bottom]["rate"]
    ]


def table(results: dict[str, Any], command: str) -> str:
    rounds = int(results.get("rounds", 1))
    lines = [
        f"Generated by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. "
        f"Machine: {os.cpu_count()} cores, "
        f"{platform.platform()}; Python {platform.python_version()}, Scrapy {version('scrapy')}, "
        f"lxml {version('lxml')}, SQLAlchemy {version('sqlalchemy')}, trafilatura {version('trafilatura')}.",
        "",
        f"Each figure: the median of {rounds} rounds taken in turns, with the lowest and highest "
        "in brackets; a ratio is computed within each round, then summarised the same way. Peak "
        "RSS: the highest of the rounds.",
        "",
        "| articles | measure | rate | peak RSS | ratio | target |",
        "|---|---|---|---|---|---|",
    ]
    for size, row_rounds in results["sizes"].items():
        first = row_rounds[0]

        def rate(key: str, rows: list[dict[str, Any]] = row_rounds) -> str:
            return spread([row[key]["rate"] for row in rows]) + f" {rows[0][key]['unit']}"

        def rss(key: str, rows: list[dict[str, Any]] = row_rounds) -> str:
            return f"{max(row[key]['peak_rss_mb'] for row in rows)} MB"

        def ratio(top: str, bottom: str, rows: list[dict[str, Any]] = row_rounds) -> str:
            return spread(ratios(rows, top, bottom), 2)

        entries = [
            ("parse floor (lxml parse + the extractor's node lookups)", "floor", "", ""),
            (
                "our extraction",
                "ours",
                f"{ratio('ours', 'floor')} of floor; {ratio('ours', 'trafilatura')}x trafilatura",
                ">= 0.50 of floor; >= 5x trafilatura",
            ),
            ("trafilatura (with metadata)", "trafilatura", "", ""),
            ("engine ceiling (replay, no extraction, no pipelines)", "ceiling", "", ""),
            (
                "replay with extraction, no item pipelines",
                "extract",
                f"{ratio('extract', 'ceiling')} of ceiling",
                "",
            ),
            (
                "end to end into SQLite",
                "e2e_sqlite",
                f"{ratio('e2e_sqlite', 'ceiling')} of ceiling; "
                f"{ratio('e2e_sqlite', 'extract')} of extraction-only",
                ">= 0.50 of ceiling",
            ),
        ]
        if "e2e_postgresql" in first:
            entries.append(
                (
                    "end to end into PostgreSQL",
                    "e2e_postgresql",
                    f"SQLite/PostgreSQL {ratio('e2e_sqlite', 'e2e_postgresql')}",
                    "<= 2",
                )
            )
        for name, key, ratio_text, target in entries:
            lines.append(f"| {int(size):,} | {name} | {rate(key)} | {rss(key)} | {ratio_text} | {target} |")
    sizes = sorted(int(size) for size in results["sizes"])
    if len(sizes) >= 2:
        base = 10_000 if 10_000 in sizes[:-1] else sizes[0]  # the target compares 100k with 10k
        small, large = _by_size(results["sizes"], base), _by_size(results["sizes"], sizes[-1])
        growth = [
            b["e2e_sqlite"]["peak_rss_mb"] / a["e2e_sqlite"]["peak_rss_mb"]
            for a, b in zip(small, large, strict=False)
        ]
        lines.append(
            f"| {sizes[-1]:,} vs {base:,} | peak RSS growth, end to end (SQLite) | | | "
            f"{spread(growth, 2)}x | <= 1.5x (at 100k vs 10k) |"
        )
    lines += ["", "| storage batch | SQLite | PostgreSQL | SQLite/PostgreSQL |", "|---|---|---|---|"]
    for batch, entry in results["storage"].items():
        sqlite = [r["rate"] for r in entry["sqlite"]]
        pg = [r["rate"] for r in entry.get("postgresql", [])]
        per_round = [a / b for a, b in zip(sqlite, pg, strict=False) if b]
        lines.append(
            f"| {batch} | {spread(sqlite)} items/s | "
            f"{spread(pg) + ' items/s' if pg else 'n/a'} | {spread(per_round, 2) if pg else ''} |"
        )
    found = results["search"]
    lines += [
        "",
        f"| search ({found['articles']:,} articles, {found['queries']} queries) | median | p95 | target |",
        "|---|---|---|---|",
    ]
    for name in ("sqlite", "postgresql"):
        if name in found:
            lines.append(
                f"| {name} | {found[name]['median_ms']} ms | {found[name]['p95_ms']} ms | p95 < 100 ms |"
            )
    q = results["quality"]
    lines += [
        "",
        "| quality (fixtures) | field accuracy | body F1 | trafilatura body F1 |",
        "|---|---|---|---|",
    ]
    for page, figures in q["pages"].items():
        lines.append(
            f"| {page} | {figures['field_accuracy']} | {figures['body_f1']} "
            f"| {figures['trafilatura_body_f1']} |"
        )
    lines.append(f"| all | {q['field_accuracy']} (target 1.000) | | |")
    return "\n".join(lines)


def _by_size(sizes: dict[Any, list[dict[str, Any]]], size: int) -> list[dict[str, Any]]:
    """The rounds of ``size`` (keys are ints in a run, strings in a saved JSON)."""
    return sizes[size] if size in sizes else sizes[str(size)]


def write(block: str) -> None:
    doc = DOC.read_text("utf-8")
    start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
    DOC.write_text(doc[:start] + "\n" + block + "\n" + doc[end:], "utf-8")


def run_instructions(quick: bool, postgres: bool, write_docs: bool) -> None:
    """The callgrind table (``bench.instructions``): slices of 60 and 300 articles and the
    flatness check at 10k and 100k; with ``quick``, slices of 4 and 12 articles, no flatness."""
    if not instructions.valgrind_available():
        print("instruction counts: valgrind is not installed; skipped")
        return
    if quick:
        found = instructions.run(slice_=4, factor=3, postgres=postgres)
        command = "python -m bench --quick --instructions"
    else:
        found = instructions.run(postgres=postgres, flat=[10_000, 100_000])
        command = "python -m bench --instructions"
    block = instructions.table(found, command)
    print()
    print(block)
    name = "last-quick-instructions.json" if quick else "last-instructions.json"
    print(f"all figures: {instructions.save(found, name).relative_to(ROOT)}")
    if write_docs and not quick:
        instructions.write(block)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: small sizes")
    parser.add_argument("--sizes", default=None, help="article counts of the snapshots, e.g. 1000,10000")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="print, do not rewrite docs/benchmarks.md")
    parser.add_argument("--no-realworld", action="store_true", help="skip the real pages (bench.realworld)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every wall-clock figure, in turns")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also the instruction counts under callgrind (bench.instructions; a tiny slice with --quick)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        sizes, search_articles, queries, storage_items = [200], 2000, 20, 200
    else:
        sizes, search_articles, queries, storage_items = [1000, 10000, 100_000], 100_000, 50, 2000
    if args.sizes:
        sizes = [int(s) for s in args.sizes.split(",")]
    results = run(
        sizes, search_articles, queries, storage_items, postgres=not args.no_postgres, rounds=args.rounds
    )
    command = (
        "python -m bench"
        + (" --quick" if args.quick else "")
        + (f" --sizes {args.sizes}" if args.sizes else "")
        + (f" --rounds {args.rounds}" if args.rounds != 3 else "")
    )
    block = table(results, command)
    print(block)
    search.WORK.mkdir(exist_ok=True)
    raw = search.WORK / ("last-quick-run.json" if args.quick else "last-run.json")
    raw.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), "utf-8")
    print(f"all figures: {raw.relative_to(ROOT)}")
    if not args.no_write and not args.quick:
        write(block)
    if args.instructions:
        run_instructions(args.quick, postgres=not args.no_postgres, write_docs=not args.no_write)
    if args.no_realworld:
        return
    corpus = realworld.corpus_dir()
    if not realworld.available(corpus):
        print(f"real pages: no corpus at {corpus} (set KHABAR_REALWORLD_DIR); skipped")
        return
    # 16 pages, each crawled in its own process two at a time: about 20 s, cheap enough for
    # --quick (fewer rounds of the speed comparison there)
    found = realworld.run(corpus, rounds=2 if args.quick else 5)
    pages_block = realworld.table(found, command)
    print()
    print(pages_block)
    print(f"all figures: {realworld.save(found).relative_to(ROOT)}")
    if not args.no_write and not args.quick:
        realworld.write_docs(pages_block)


if __name__ == "__main__":
    main()
