"""Crawls started together on a new SQLite file: their migrations take turns (a lock file
next to the database), so every one succeeds and the schema ends at head."""

from __future__ import annotations

import multiprocessing
import traceback
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest

from khabar_crawler.db.migrate import database_status, upgrade_database

PROCESSES = 4
TRIALS = 3


def _upgrade_when_all_ready(url: str, barrier: Barrier) -> None:
    """One process's upgrade, started with the others' (exit status 1 on any error)."""
    barrier.wait(timeout=30)
    try:
        upgrade_database(url)
    except Exception:
        traceback.print_exc()
        raise SystemExit(1) from None


def upgrade_together(url: str) -> list[int | None]:
    """Exit statuses of PROCESSES processes upgrading ``url`` at the same moment."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(PROCESSES)
    processes = [
        context.Process(target=_upgrade_when_all_ready, args=(url, barrier)) for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    return [process.exitcode for process in processes]


@pytest.mark.parametrize("trial", range(TRIALS))
def test_concurrent_upgrades_of_a_new_file_all_succeed(tmp_path: Path, trial: int) -> None:
    assert upgrade_together(f"sqlite:///{tmp_path / 'new.db'}") == [0] * PROCESSES


def test_concurrent_upgrades_leave_the_schema_at_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    upgrade_together(url)
    assert database_status(url).at_head


def test_the_lock_file_lies_next_to_the_database(tmp_path: Path) -> None:
    upgrade_database(f"sqlite:///{tmp_path / 'new.db'}")
    assert (tmp_path / "new.db.migrate.lock").exists()
