"""Alembic migrations: the schema they build is the models' schema, on both back ends."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from khabar_crawler.db import create_db_engine
from khabar_crawler.db.database import Database, SchemaOutOfDateError
from khabar_crawler.db.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    include_name,
    upgrade,
)
from khabar_crawler.db.models import Base
from tests.helpers import ROOT, crawl_env


def schema_differences(engine: Engine) -> list[Any]:
    """How the database's schema differs from the models' (hand-managed objects left out)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        differences: list[Any] = compare_metadata(context, Base.metadata)
    return differences


def test_migrations_build_the_models_schema(db_url: str) -> None:
    engine = create_db_engine(db_url)
    upgrade(engine)
    differences = schema_differences(engine)
    engine.dispose()
    assert differences == []


def test_upgrade_is_idempotent(db_url: str) -> None:
    engine = create_db_engine(db_url)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_outdated_schema_names_the_command(db_url: str) -> None:
    database = Database(db_url)
    with pytest.raises(SchemaOutOfDateError, match=r"python -m khabar_crawler\.db\.migrate upgrade"):
        database.ensure_schema(migrate=False)
    database.close()


def test_documented_upgrade_command(db_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "khabar_crawler.db.migrate", "upgrade", "--database-url", db_url],
        cwd=ROOT,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, f"schema at {head_revision()}" in done.stdout) == (0, True), done.stderr


def test_every_migration_downgrades_and_upgrades_again(db_url: str) -> None:
    engine = create_db_engine(db_url)
    upgrade(engine)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    upgrade(engine)
    differences = schema_differences(engine)
    engine.dispose()
    assert differences == []
