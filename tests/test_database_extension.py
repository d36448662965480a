"""The crawl's database: one per crawler, through the DatabaseExtension, opened on first use and
disposed of when the engine stops (after every spider_closed handler)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler
from sqlalchemy import Engine, event, inspect

from khabar_crawler import settings as project_settings
from khabar_crawler.db.database import (
    DatabaseExtension,
    DatabaseNotEnabledError,
    SchemaOutOfDateError,
    get_database,
)

EXTENSION = "khabar_crawler.db.database.DatabaseExtension"


def crawler(database: Path, **settings: Any) -> Crawler:
    """A crawler with the project's database extension and no built-in extensions."""
    return get_crawler(
        Spider,
        {
            "DATABASE_URL": f"sqlite:///{database}",
            "EXTENSIONS_BASE": {},
            "EXTENSIONS": {EXTENSION: 50},
            **settings,
        },
    )


def disposals(engine: Engine) -> list[Engine]:
    """The engine's disposals, recorded as they happen."""
    seen: list[Engine] = []
    event.listen(engine, "engine_disposed", seen.append)
    return seen


def test_the_project_enables_it_before_the_alarms() -> None:
    extensions = project_settings.EXTENSIONS
    assert extensions[EXTENSION] < extensions["khabar_crawler.runs.alarms.Alarms"]


def test_the_project_extensions_setting_loads_it(tmp_path: Path) -> None:
    project = crawler(tmp_path / "k.db", EXTENSIONS=project_settings.EXTENSIONS)
    assert project.get_extension(DatabaseExtension) is not None


def test_two_lookups_share_one_database(tmp_path: Path) -> None:
    shared = crawler(tmp_path / "k.db")
    assert get_database(shared) is get_database(shared)


def test_each_crawler_has_its_own(tmp_path: Path) -> None:
    first, second = crawler(tmp_path / "k.db"), crawler(tmp_path / "k.db")
    assert get_database(first) is not get_database(second)


def test_the_schema_is_migrated_on_first_use(tmp_path: Path) -> None:
    database = get_database(crawler(tmp_path / "k.db"))
    assert "crawl_runs" in inspect(database.engine).get_table_names()


def test_an_old_schema_fails_without_auto_migrate(tmp_path: Path) -> None:
    with pytest.raises(SchemaOutOfDateError):
        get_database(crawler(tmp_path / "k.db", KHABAR_DB_AUTO_MIGRATE=False))


def test_nothing_is_opened_when_nobody_asks(tmp_path: Path) -> None:
    idle = crawler(tmp_path / "k.db")
    idle.signals.send_catch_log(signals.engine_stopped)
    assert not (tmp_path / "k.db").exists()


def test_still_open_when_the_spider_closes(tmp_path: Path) -> None:
    """spider_closed handlers (the run record, the alarms) may still use it."""
    running = crawler(tmp_path / "k.db")
    disposed = disposals(get_database(running).engine)
    running.signals.send_catch_log(signals.spider_closed, spider=Spider(name="s"), reason="finished")
    assert disposed == []


def test_disposed_when_the_engine_stops(tmp_path: Path) -> None:
    running = crawler(tmp_path / "k.db")
    database = get_database(running)
    disposed = disposals(database.engine)
    running.signals.send_catch_log(signals.engine_stopped)
    assert disposed == [database.engine]


def test_a_crawler_without_the_extension_says_so(tmp_path: Path) -> None:
    bare = crawler(tmp_path / "k.db", EXTENSIONS={})
    with pytest.raises(DatabaseNotEnabledError, match="DatabaseExtension is not in EXTENSIONS"):
        get_database(bare)
