"""The documented recipes run for real: the cron line of docs/operations.md once per simulated
day for 14 days, and the systemd unit's ExecStart for 3, against an evolving site
(:mod:`bench.evolving_site`), with the same JOBDIR every run as the recipes say.

The commands are read from the docs and changed only as :func:`bench.schedule.local_command`
says (this virtualenv's scrapy, JOBDIR and LOG_FILE in a temporary folder, ``-s`` settings for
the local site and database appended). Each module fixture runs its whole schedule once; each
test checks one behaviour over all the days, as one list, so that a failure shows every day.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.evolving_site import Evolution, EvolvingSite
from bench.schedule import (
    EXPECTED_ALARMS,
    LOCAL_CRAWL,
    DayResult,
    Settled,
    breakage_days,
    cron_command,
    local_command,
    run_schedule,
    settled,
    systemd_command,
)

pytestmark = pytest.mark.e2e

SEED = 2024
#: a few hundred articles: a day's run takes seconds (20 new a day: 20 articles or
#: more extracted every day, the coverage alarms' minimum)
EVOLUTION = Evolution(
    initial=200,
    new_per_day=20,
    edit_share=0.05,
    removal_share=0.01,
    burst_probability=0.2,
)
DAYS = 14
#: theme change, bot challenges, unreachable, half the sitemap, coverage drop: days 3, 5, ..., 11
BREAKAGES = breakage_days(DAYS)
SYSTEMD_DAYS = 3


def _settings(site: EvolvingSite, work: Path) -> dict[str, str]:
    """What the recipes' command gets appended: the local site, politeness for loopback, and
    the spool kept out of the project's data/."""
    return {"KHABARAYN_BASE_URL": site.base_url, "KHABAR_SPOOL_DIR": str(work / "spool"), **LOCAL_CRAWL}


@dataclass(frozen=True)
class Schedule:
    days: list[DayResult]
    #: at the end: edits and removals older than the revisit policy's longest interval
    settled: Settled


@pytest.fixture(scope="module")
def cron_schedule(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Schedule]:
    """The cron recipe, one run a simulated day, breakages on :data:`BREAKAGES` days; between
    runs the database's fetch times move a day back (``age``: the crawler's clock is the real
    one, so that revisits fall due as they would over 14 days)."""
    work = tmp_path_factory.mktemp("cron")
    database_url = f"sqlite:///{work / 'khabar.db'}"
    with EvolvingSite(EVOLUTION, seed=SEED) as site:
        # the cron line runs with the project's default database: moved to the work folder
        settings = {**_settings(site, work), "DATABASE_URL": database_url}
        command = local_command(cron_command(), work, settings)
        days = list(run_schedule(site, command, work, database_url, DAYS, BREAKAGES, age=True))
        yield Schedule(days, settled(site, database_url))


@pytest.fixture(scope="module")
def cron_days(cron_schedule: Schedule) -> list[DayResult]:
    return cron_schedule.days


@pytest.fixture(scope="module")
def systemd_days(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[DayResult]]:
    """The systemd unit's ExecStart, with its Environment= (DATABASE_URL moved to the work
    folder), one run a simulated day."""
    work = tmp_path_factory.mktemp("systemd")
    database_url = f"sqlite:///{work / 'khabar.db'}"
    recipe, environment = systemd_command()
    with EvolvingSite(EVOLUTION, seed=SEED + 1) as site:
        command = local_command(recipe, work, _settings(site, work))
        env = {**environment, "DATABASE_URL": database_url}
        yield list(run_schedule(site, command, work, database_url, SYSTEMD_DAYS, env=env))


def _ordinary(days: list[DayResult]) -> list[DayResult]:
    return [day for day in days if day.ordinary]


def test_ordinary_days_exit_0_without_alarms(cron_days: list[DayResult]) -> None:
    """No false alarm: every ordinary day's run exits 0 and logs no ALARM line."""
    got = [(day.day, day.run.exit_code, day.run.alarms) for day in _ordinary(cron_days)]
    assert got == [(day.day, 0, ()) for day in _ordinary(cron_days)]


def test_each_breakage_alarmed_in_its_run(cron_days: list[DayResult]) -> None:
    """A run on a broken day exits 3 with the breakage's ALARM line."""
    broken = [day for day in cron_days if not day.ordinary]
    got = [
        (
            day.day,
            day.changes.breakage,
            day.run.exit_code,
            day.alarms_expected if set(day.alarms_expected) <= set(day.run.alarms) else day.run.alarms,
        )
        for day in broken
    ]
    expected = [(day, name, 3, (EXPECTED_ALARMS[name],)) for day, name in sorted(BREAKAGES.items())]
    assert got == expected


def test_new_articles_stored_by_the_first_run_after_they_appear(cron_days: list[DayResult]) -> None:
    """After each ordinary day's run, every live article published so far is stored (those that
    answered 500 in that very run excepted: the next run's)."""
    got = [(day.day, sorted(day.missing - day.server_errors)) for day in _ordinary(cron_days)]
    assert got == [(day.day, []) for day in _ordinary(cron_days)]


def test_edits_stored_by_the_run_after_the_edit(cron_days: list[DayResult]) -> None:
    """The sitemap's newer lastmod makes an edited article due: the day's run stores its new
    version (its new modification time)."""
    got = [(day.day, sorted(day.edits_missing - day.server_errors)) for day in _ordinary(cron_days)]
    assert got == [(day.day, []) for day in _ordinary(cron_days)]


def test_server_errors_never_mark_articles_gone(cron_days: list[DayResult]) -> None:
    """Bursts of 500s happened (the test covers them), and no live article is marked gone."""
    bursts = [day.day for day in cron_days if day.server_errors]
    wrongly_gone = [(day.day, sorted(day.wrongly_gone)) for day in cron_days if day.wrongly_gone]
    assert (bool(bursts), wrongly_gone) == (True, [])


def test_removals_marked_gone_within_the_revisit_interval(cron_schedule: Schedule) -> None:
    """Articles removed at least the longest revisit interval (7 days) before the last run
    are marked gone by then (their revisit answers 404 or 410)."""
    final = cron_schedule.settled
    assert (final.removals > 0, final.removals_marked) == (True, final.removals)


def test_systemd_unit_command_runs_daily(systemd_days: list[DayResult]) -> None:
    """The unit's command, run daily: exit 0, no alarm, new articles and edits stored."""
    got = [
        (
            day.day,
            day.run.exit_code,
            day.run.alarms,
            sorted(day.missing - day.server_errors),
            sorted(day.edits_missing - day.server_errors),
        )
        for day in systemd_days
    ]
    assert got == [(day, 0, (), [], []) for day in range(SYSTEMD_DAYS)]
