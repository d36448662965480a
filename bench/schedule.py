"""Scheduled operation, measured: the cron recipe of docs/operations.md run once a simulated day
on an evolving site (:mod:`bench.evolving_site`), with each injected breakage once.

    python -m bench.schedule                           # 5,000 articles, 50 new a day, 14 days
    python -m bench.schedule --days 3 --articles 300   # a quick smoke run
    python -m bench.schedule --backend postgresql --postgres-url postgresql+psycopg://...

The recipe's command is read from the docs (the ``scrapy crawl ...`` of the cron line, or the
systemd unit's ``ExecStart``) and run as written through ``bash -c`` in the project folder, with
only these substitutions (:func:`local_command`): the scrapy executable of this virtualenv for
``.venv/bin/scrapy``, the ``JOBDIR`` and ``LOG_FILE`` values moved into a work folder, and
``-s`` settings appended for the local site (``KHABARAYN_BASE_URL``, the database, loopback
politeness, the stats file). The same JOBDIR serves every run, as the recipe says.

The crawler runs on the real clock while the site's days are simulated (day ``d`` is a fixed
date in the past plus ``d`` days), so between runs the database's fetch times are moved a
day back (:func:`age_database`; ``--no-age`` keeps them): revisits then fall due as they
would over the simulated days.

Per day it prints: bursts of 500s, new articles stored by the first run after they appear,
edits stored by that run (the sitemap's ``lastmod`` makes an edited article due at once),
removals marked gone (cumulative: a removal is noticed when the revisit policy makes the
article due), alarms expected and got, requests sent against (new + due + discovery pages:
robots.txt, sitemaps, feed, every listing page), and the run's duration against the first
run's. A summary line compares with the targets of issue 16: on the ordinary days; edits and
removals over the policy's longest interval (7 days), those older than that at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, create_engine, select, update

from bench.evolving_site import DayChanges, Evolution, EvolvingSite
from khabar_crawler import settings as project_settings
from khabar_crawler.db.models import Article, PageState
from khabar_crawler.frontier.revisit import RevisitPolicy

ROOT = Path(__file__).resolve().parents[1]
OPERATIONS = ROOT / "docs" / "operations.md"
#: the alarm each injected breakage must raise (its name in ``ALARM <name>: ...``)
EXPECTED_ALARMS = {
    "unreachable": "site_unreachable",
    "theme_change": "site_profile",
    "bot_challenges": "challenges",
    "sitemap_half": "items_drop",
    "coverage_drop": "coverage/published_at",
}
#: settings for a crawl of a server on loopback: no politeness delays, quick retries (the
#: tests' live site uses them too)
LOCAL_CRAWL = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "RETRY_TIMES": "1",
    "DOWNLOAD_TIMEOUT": "20",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
}
_ALARM = re.compile(r"ALARM (\S+?):")
_SCRAPY = re.compile(r"(?:\S*/)?\.venv/bin/scrapy\b")


# --- the recipes, as documented ----------------------------------------------------------------


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    following = text.find("\n### ", start + len(heading))
    return text[start : following if following != -1 else len(text)]


def cron_command(doc: Path = OPERATIONS) -> str:
    """The ``scrapy crawl ...`` part of the cron line of ``### cron`` (up to ``||``), with
    crontab's ``\\%`` unescaped."""
    block = _section(doc.read_text("utf-8"), "### cron")
    for line in block.splitlines():
        if "scrapy crawl" in line and not line.lstrip().startswith("#"):
            match = _SCRAPY.search(line)
            if match is None:
                raise ValueError(f"no .venv/bin/scrapy in the cron line: {line}")
            command = line[match.start() :].split(" || ")[0].strip()
            return command.replace("\\%", "%")
    raise ValueError(f"no cron line running scrapy crawl in {doc}")


def systemd_command(doc: Path = OPERATIONS) -> tuple[str, dict[str, str]]:
    """The systemd unit's ``ExecStart`` command and its ``Environment=`` variables."""
    block = _section(doc.read_text("utf-8"), "### systemd timer")
    command, environment = None, {}
    for line in block.splitlines():
        if line.startswith("ExecStart=") and command is None:
            command = line.removeprefix("ExecStart=").strip()
        elif line.startswith("Environment="):
            name, _, value = line.removeprefix("Environment=").partition("=")
            environment[name] = value
    if command is None:
        raise ValueError(f"no ExecStart in the systemd section of {doc}")
    return command, environment


def local_command(recipe: str, work: Path, settings: Mapping[str, str]) -> str:
    """The recipe's command for a run here: this virtualenv's scrapy for ``.venv/bin/scrapy``,
    the ``JOBDIR`` and ``LOG_FILE`` values moved into ``work`` (``job/`` and ``log/``, the log's
    file name kept), and ``settings`` appended as ``-s`` options. Nothing else changes."""
    scrapy = Path(sys.executable).parent / "scrapy"
    command = _SCRAPY.sub(lambda _: shlex.quote(str(scrapy)), recipe, count=1)
    command = re.sub(r"-s JOBDIR=\S+", lambda _: f"-s JOBDIR={shlex.quote(str(work / 'job'))}", command)
    command = re.sub(
        r"-s LOG_FILE=\S*/(\S+)",
        lambda m: f"-s LOG_FILE={shlex.quote(str(work / 'log'))}/{m.group(1)}",
        command,
    )
    for key, value in settings.items():
        command += f" -s {shlex.quote(f'{key}={value}')}"
    return command


# --- one run -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunResult:
    exit_code: int
    #: the alarm names of the run's ``ALARM <name>: ...`` lines (log file or stderr)
    alarms: tuple[str, ...]
    seconds: float
    stats: dict[str, Any]
    output: str


def _log_sizes(folder: Path) -> dict[Path, int]:
    return {path: path.stat().st_size for path in folder.glob("*") if path.is_file()}


def run_recipe(
    command: str, work: Path, day: int, env: Mapping[str, str] | None = None, timeout: float = 900
) -> RunResult:
    """Run ``command`` (from :func:`local_command`) with bash in the project folder; its stats
    file is ``work/stats/day-<day>.json``; alarms read from what the run added to the logs."""
    logs = work / "log"  # not created here: the crawl creates its LOG_FILE's folder
    (work / "stats").mkdir(parents=True, exist_ok=True)
    stats_file = work / "stats" / f"day-{day}.json"
    before = _log_sizes(logs)
    full = f"{command} -s {shlex.quote(f'KHABAR_STATS_FILE={stats_file}')}"
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    started = time.monotonic()
    done = subprocess.run(
        ["bash", "-c", full],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    seconds = time.monotonic() - started
    added = ""
    for path in sorted(_log_sizes(logs)):
        with path.open("rb") as handle:
            handle.seek(before.get(path, 0))
            added += handle.read().decode("utf-8", "replace")
    output = added + done.stderr
    stats = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
    alarms = tuple(sorted(set(_ALARM.findall(output))))
    return RunResult(done.returncode, alarms, seconds, stats, output)


# --- what the database holds -------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    """The database's articles of the site, by article id."""

    modified: dict[str, datetime | None]
    bodies: dict[str, str]
    gone: frozenset[str]

    def has_edit(self, site: EvolvingSite, article_id: str, day: int) -> bool:
        """Whether the stored text has the paragraph of the article's edit of ``day``."""
        return site.edit_text(site.story(article_id), day) in self.bodies.get(article_id, "")

    def dateless(self, article_id: str) -> bool:
        """Stored without a modification time (its page had no dates, as on a coverage-drop
        day): the crawler then compares the sitemap's lastmod with its own fetch time, and the
        simulated dates lie in its past, so that later edits are not seen as newer (an artifact
        of the simulation: on a live site lastmod follows the fetch)."""
        return article_id in self.modified and self.modified[article_id] is None


def stored(database_url: str) -> Stored:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Article.article_id, Article.modified_at, Article.body, Article.gone_at)
            ).all()
    finally:
        engine.dispose()
    return Stored(
        {str(a): m for a, m, _, _ in rows},
        {str(a): b for a, _, b, _ in rows},
        frozenset(str(a) for a, _, _, g in rows if g is not None),
    )


def due_articles(database_url: str) -> frozenset[str]:
    """Stored articles (not marked gone) that the project's revisit policy says are due now."""
    policy = RevisitPolicy.from_setting(project_settings.KHABAR_REVISIT_INTERVALS)
    query = select(
        Article.article_id, Article.published_at, PageState.fetched_at, Article.last_seen_at
    ).outerjoin(PageState, PageState.url == Article.canonical_url)
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(query.where(Article.gone_at.is_(None))).all()
    finally:
        engine.dispose()
    now = datetime.now(UTC)
    return frozenset(
        str(a) for a, published, fetched, seen in rows if policy.is_due(published, fetched or seen, now)
    )


def age_database(database_url: str, days: float = 1) -> None:
    """Move the crawler's own clock marks ``days`` into the past: the fetch times of page
    states and the articles' last-seen times, all the revisit policy reads. The crawler runs
    on the real clock, so without this a schedule of simulated days run in minutes never makes
    a stored article due for a revisit (and never sees a removal)."""
    shift = timedelta(days=days)
    tables = Article.metadata.tables
    pages, articles = tables[PageState.__tablename__], tables[Article.__tablename__]
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            for key, column in ((pages.c.url, pages.c.fetched_at), (articles.c.id, articles.c.last_seen_at)):
                rows = connection.execute(select(key, column)).all()
                if rows:
                    connection.execute(
                        update(key.table)
                        .where(key == bindparam("key"))
                        .values({column.name: bindparam("moment")}),
                        [{"key": row_key, "moment": moment - shift} for row_key, moment in rows],
                    )
    finally:
        engine.dispose()


# --- the schedule ------------------------------------------------------------------------------


@dataclass
class DayResult:
    """One simulated day: what changed on the site, the run, and what the database holds."""

    changes: DayChanges
    run: RunResult
    #: requests the site answered during the run, by kind
    requests: dict[str, int]
    #: article ids that answered 500 during the run
    server_errors: frozenset[str]
    #: articles published so far (not removed) that are not stored
    missing: frozenset[str]
    #: new articles of the day stored by the run
    new_stored: int
    #: edits of the day judged (the edited articles still live, dateless ones aside), and
    #: those whose text is stored by the day's run
    edits_judged: int
    edits_stored: int
    #: edited articles of the day whose stored text lacks the edit (dateless ones aside)
    edits_missing: frozenset[str]
    #: edited articles of the day stored without dates by an earlier run (see Stored.dateless)
    edits_dateless: frozenset[str]
    #: removed articles (so far) marked gone, and all removed so far
    removals_marked: int
    removals: int
    #: articles marked gone that still answer (a 5xx or a bug)
    wrongly_gone: frozenset[str]
    #: pages a full discovery reads today
    discovery_pages: int
    #: stored articles due before the run: the revisit policy's, and the edited ones
    due: int = 0
    alarms_expected: tuple[str, ...] = field(default=())

    @property
    def day(self) -> int:
        return self.changes.day

    @property
    def ordinary(self) -> bool:
        return self.changes.breakage is None

    @property
    def requests_sent(self) -> int:
        return sum(self.requests.values())

    @property
    def needed(self) -> int:
        """new + due (edited, or due by the revisit policy) + discovery pages."""
        return len(self.changes.new) + self.due + self.discovery_pages


def observe(
    site: EvolvingSite, run: RunResult, database_url: str, due: frozenset[str] = frozenset()
) -> DayResult:
    """The day's figures after its run; ``due``: the stored articles due before it."""
    changes = site.changes[-1]
    held = stored(database_url)
    live = site.live_ids()
    errors = site.server_errors_answered()
    missing = frozenset(live - set(held.modified))
    edited = [a for a in changes.edited if a in live]
    lacking = frozenset(a for a in edited if not held.has_edit(site, a, changes.day))
    dateless = frozenset(a for a in lacking if held.dateless(a))
    edits_missing = lacking - dateless
    removed = site.removed()
    requests: dict[str, int] = {}
    for (kind, _status), count in site.requests().items():
        requests[kind] = requests.get(kind, 0) + count
    expected = (EXPECTED_ALARMS[changes.breakage],) if changes.breakage else ()
    return DayResult(
        changes=changes,
        run=run,
        requests=requests,
        server_errors=errors,
        missing=missing,
        new_stored=sum(1 for a in changes.new if a in held.modified),
        edits_judged=len(edited) - len(dateless),
        edits_stored=len(edited) - len(dateless) - len(edits_missing),
        edits_missing=edits_missing,
        edits_dateless=dateless,
        removals_marked=len(held.gone & set(removed)),
        removals=len(removed),
        wrongly_gone=frozenset(held.gone & live),
        discovery_pages=site.discovery_pages(),
        due=len(due | (set(changes.edited) & set(held.modified))),
        alarms_expected=expected,
    )


def run_schedule(
    site: EvolvingSite,
    command: str,
    work: Path,
    database_url: str,
    days: int,
    breakages: Mapping[int, str] | None = None,
    env: Mapping[str, str] | None = None,
    progress: bool = False,
    age: bool = False,
) -> Iterator[DayResult]:
    """Day 0 (the site as it starts) and ``days - 1`` more, one run of ``command`` a day;
    ``breakages``: day -> breakage injected that day (never day 0); ``age``: the database's
    fetch times moved a day back between runs (:func:`age_database`)."""
    breakages = dict(breakages or {})
    for day in range(days):
        if day:
            if age:
                age_database(database_url)
            site.advance_day(breakages.get(day))
        due = due_articles(database_url) if day else frozenset()
        result = observe(site, run_recipe(command, work, day, env), database_url, due)
        if progress:
            print(f"day {day}: exit {result.run.exit_code} in {result.run.seconds:.1f} s", file=sys.stderr)
        yield result


# --- the report --------------------------------------------------------------------------------


def _pct(part: int, whole: int) -> str:
    return "–" if whole == 0 else f"{100 * part / whole:.0f}%"


@dataclass(frozen=True)
class Settled:
    """At the end of a schedule: the edits and removals old enough that the revisit policy's
    longest interval (``interval_days``) has passed since, and how many of them are stored /
    marked gone."""

    interval_days: int
    edits: int
    edits_stored: int
    #: edits of articles stored without dates, left out (see Stored.dateless)
    edits_dateless: int
    removals: int
    removals_marked: int


def settled(site: EvolvingSite, database_url: str, interval_days: int = 7) -> Settled:
    held = stored(database_url)
    last = site.day - interval_days
    edits = edits_ok = dateless = 0
    for story in site.stories.values():
        if story.removed_day is not None:
            continue
        for day in story.edits:
            if day > last:
                continue
            if held.has_edit(site, story.article_id, day):
                edits += 1
                edits_ok += 1
            elif held.dateless(story.article_id):
                dateless += 1
            else:
                edits += 1
    removed = [article_id for article_id, day in site.removed().items() if day <= last]
    return Settled(interval_days, edits, edits_ok, dateless, len(removed), len(held.gone & set(removed)))


def table(results: list[DayResult]) -> str:
    first = results[0].run.seconds if results else 0.0
    lines = [
        "| day | breakage | 500s | exit | new stored | edits stored | removals marked | alarms expected"
        " | alarms got | requests / needed | duration vs first |",
        "|---:|---|---:|---:|---:|---:|---:|---|---|---:|---:|",
    ]
    for r in results:
        new = len(r.changes.new)
        ratio = r.requests_sent / r.needed if r.needed else 0.0
        lines.append(
            f"| {r.day} | {r.changes.breakage or ''} | {len(r.server_errors)} | {r.run.exit_code}"
            f" | {_pct(r.new_stored, new)} ({r.new_stored}/{new})"
            f" | {_pct(r.edits_stored, r.edits_judged)} ({r.edits_stored}/{r.edits_judged})"
            f" | {_pct(r.removals_marked, r.removals)} ({r.removals_marked}/{r.removals})"
            f" | {', '.join(r.alarms_expected) or '–'} | {', '.join(r.run.alarms) or '–'}"
            f" | {r.requests_sent} / {r.needed} = {ratio:.2f}"
            f" | {r.run.seconds:.1f} s ({r.run.seconds / first:.2f}×) |"
        )
    return "\n".join(lines)


def summary(results: list[DayResult], final: Settled | None = None) -> str:
    """The targets of issue 16, judged on the ordinary days (a breakage day is judged by its
    alarm only); edits and removals over the revisit interval when ``final`` is given."""
    ordinary = [r for r in results if r.ordinary]
    later = [r for r in ordinary if r.day]
    broken = [r for r in results if not r.ordinary]
    new = sum(len(r.changes.new) for r in later)
    new_ok = sum(len(set(r.changes.new) - r.server_errors - r.missing) for r in later)
    errors = sum(len(r.server_errors & set(r.changes.new)) for r in later)
    if final is not None:
        edits, edits_ok = final.edits, final.edits_stored
        removals, removals_ok = final.removals, final.removals_marked
        within = f" within {final.interval_days} days"
        dateless = f", {final.edits_dateless} of dateless articles left out" if final.edits_dateless else ""
    else:
        edits, edits_ok = sum(r.edits_judged for r in later), sum(r.edits_stored for r in later)
        removals, removals_ok = results[-1].removals, results[-1].removals_marked
        within = dateless = ""
    next_ok, next_all = sum(r.edits_stored for r in later), sum(r.edits_judged for r in later)
    false_alarms = sum(1 for r in ordinary if r.run.alarms or r.run.exit_code != 0)
    missed = sum(1 for r in broken if not set(r.alarms_expected) <= set(r.run.alarms) or r.run.exit_code != 3)
    worst_ratio = max((r.requests_sent / r.needed for r in later if r.needed), default=0.0)
    longest = max((r.run.seconds for r in later), default=0.0)
    first = results[0].run.seconds
    checks: list[tuple[str, bool | None]] = [
        (
            f"new stored by the first run after they appear (ordinary days, those that answered 500"
            f" aside) {_pct(new_ok, new - errors)} ({new_ok}/{new - errors}, {errors} answered 500;"
            " target 100%)",
            new_ok >= new - errors,
        ),
        (
            f"edits stored{within} {_pct(edits_ok, edits)} ({edits_ok}/{edits}{dateless}; target 100%;"
            f" by the next run: {_pct(next_ok, next_all)})",
            edits_ok == edits if edits else None,
        ),
        (
            f"removals marked{within} {_pct(removals_ok, removals)} ({removals_ok}/{removals}; target 100%)",
            removals_ok == removals if removals else None,
        ),
        (f"false alarms {false_alarms} of {len(ordinary)} ordinary runs (target 0)", false_alarms == 0),
        (f"breakages missed {missed} of {len(broken)} (target 0)", missed == 0 if broken else None),
        (f"worst requests/needed of ordinary runs {worst_ratio:.2f} (target ≤ 1.2)", worst_ratio <= 1.2),
        (
            f"longest later ordinary run {longest:.1f} s vs first {first:.1f} s (target ≤ first)",
            longest <= first,
        ),
    ]
    met = sum(1 for _, ok in checks if ok)
    judged = sum(1 for _, ok in checks if ok is not None)
    marks = {True: "✓", False: "✗", None: "(not judged)"}
    return f"**Targets met {met}/{judged}**: " + "; ".join(f"{text} {marks[ok]}" for text, ok in checks)


def breakage_days(days: int) -> dict[int, str]:
    """Each breakage once, spread over the schedule after two ordinary days (for the items-drop
    median), with an ordinary day after each (recovery); as many as fit in ``days``."""
    names = ["theme_change", "bot_challenges", "unreachable", "sitemap_half", "coverage_drop"]
    chosen: dict[int, str] = {}
    day = 3
    for name in names:
        if day >= days:
            break
        chosen[day] = name
        day += 2
    return chosen


@contextmanager
def database(backend: str, work: Path, postgres_url: str | None) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{work / 'khabar.db'}"
        return
    from bench.postgres import fresh_schema

    if not postgres_url:
        raise SystemExit("--backend postgresql needs --postgres-url (or KHABAR_BENCH_POSTGRES_URL)")
    with fresh_schema(postgres_url, "bench_schedule") as url:
        yield url


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=5000, help="articles on day 0")
    parser.add_argument("--new", type=int, default=50, help="new articles a day")
    parser.add_argument("--days", type=int, default=14, help="runs, one a simulated day (day 0 first)")
    parser.add_argument("--edits", type=float, default=0.05, help="share of the articles edited a day")
    parser.add_argument("--removals", type=float, default=0.01, help="share of the articles removed a day")
    parser.add_argument("--bursts", type=float, default=0.1, help="probability of a burst of 500s a day")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--no-breakages", action="store_true", help="ordinary days only")
    parser.add_argument(
        "--no-age",
        action="store_true",
        help="do not move the database's fetch times a day back between runs (revisits never due)",
    )
    parser.add_argument("--recipe", choices=("cron", "systemd"), default="cron")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("KHABAR_BENCH_POSTGRES_URL"))
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / ".work" / "schedule")
    args = parser.parse_args(argv)

    work: Path = args.work / f"{args.recipe}-{args.articles}-{args.new}-{args.days}-{int(time.time())}"
    work.mkdir(parents=True)
    evolution = Evolution(
        initial=args.articles,
        new_per_day=args.new,
        edit_share=args.edits,
        removal_share=args.removals,
        burst_probability=args.bursts,
        sitemap_size=1000,
    )
    breakages = {} if args.no_breakages else breakage_days(args.days)
    env: dict[str, str] = {}
    if args.recipe == "cron":
        recipe = cron_command()
    else:
        recipe, env = systemd_command()
        env.pop("DATABASE_URL", None)  # replaced by the -s setting below
    with (
        database(args.backend, work, args.postgres_url) as url,
        EvolvingSite(evolution, seed=args.seed) as site,
    ):
        settings = {
            "KHABARAYN_BASE_URL": site.base_url,
            "DATABASE_URL": url,
            "KHABAR_SPOOL_DIR": str(work / "spool"),
            **LOCAL_CRAWL,
        }
        command = local_command(recipe, work, settings)
        print(f"recipe ({args.recipe}): {recipe}", file=sys.stderr)
        print(f"run as: {command}", file=sys.stderr)
        results = list(
            run_schedule(
                site, command, work, url, args.days, breakages, env, progress=True, age=not args.no_age
            )
        )
        final = settled(site, url)
    print(
        f"\n{args.recipe} recipe, {args.days} daily runs; site: {args.articles} articles,"
        f" {args.new} new a day,"
        f" {args.edits:.0%} edited and {args.removals:.0%} removed a day; {args.backend}\n"
    )
    print(table(results))
    print()
    print(summary(results, final))


if __name__ == "__main__":
    main()
