"""One schema check and one upgrade, whichever front end asks: the crawl, ``khabar db`` or
``python -m khabar_crawler.db.migrate``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine

from khabar_crawler.db.migrate import (
    SchemaOutOfDateError,
    head_revision,
    main,
    require_head,
    upgrade,
)
from khabar_crawler.query.cli import main as khabar


def test_an_older_schema_names_the_callers_upgrade(db_url: str) -> None:
    engine = create_engine(db_url)
    upgrade(engine, "0001")
    with pytest.raises(SchemaOutOfDateError, match=r"at schema 0001, the code needs .*: run `my upgrade`"):
        require_head(engine, "my upgrade")
    engine.dispose()


def test_an_empty_database_holds_no_schema(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SchemaOutOfDateError, match="holds no khabar schema"):
        require_head(engine, "khabar db upgrade")
    engine.dispose()


def test_current_shows_the_head_it_is_behind(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    engine = create_engine(db_url)
    upgrade(engine, "0001")
    engine.dispose()
    main(["current", "--database-url", db_url])
    assert f"schema at 0001 (head {head_revision()})" in capsys.readouterr().out


def test_both_upgrade_commands_report_alike(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["upgrade", "--database-url", db_url])
    printed = capsys.readouterr().out.strip()
    result = CliRunner().invoke(khabar, ["--database-url", db_url, "db", "upgrade", "--json"])
    reported = json.loads(result.output)
    assert printed == f"{reported['database']}: schema at {reported['revision']}"
