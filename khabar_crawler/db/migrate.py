"""Schema migrations with Alembic, run on an engine (no alembic.ini needed), and the one
check that a database's schema is the code's.

The crawl (:meth:`khabar_crawler.db.database.Database.ensure_schema`), ``khabar db`` and this
module's own command all migrate and check through these functions:

python -m khabar_crawler.db.migrate upgrade      # DATABASE_URL or the SQLite default
python -m khabar_crawler.db.migrate current
"""

from __future__ import annotations

import argparse
import atexit
import fcntl
import functools
import importlib.resources
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from khabar_crawler.db.engine import create_db_engine, database_url

MIGRATIONS_PACKAGE = "khabar_crawler.db.migrations"
MIGRATION_LOCK = 0x6B686272  # "khbr": the PostgreSQL advisory lock held while migrating


def _copy_tree(source: Traversable, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.is_dir():
            if entry.name != "__pycache__":
                _copy_tree(entry, target / entry.name)
        elif not entry.name.endswith((".pyc", ".pyo")):
            (target / entry.name).write_bytes(entry.read_bytes())


@functools.cache
def migrations_directory() -> Path:
    """The folder of the Alembic scripts (``env.py``, ``script.py.mako``, ``versions/``),
    found through :mod:`importlib.resources`.

    An ordinary install has it on disk and it is used in place. Inside a zipped egg (Scrapyd
    runs a project from its egg) the package is no folder, and Alembic reads its scripts from
    files: they are copied once per process to a temporary folder, removed at exit.
    """
    package = importlib.resources.files(MIGRATIONS_PACKAGE)
    if isinstance(package, Path):
        return package
    extracted = Path(tempfile.mkdtemp(prefix="khabar-migrations-"))
    atexit.register(shutil.rmtree, extracted, ignore_errors=True)
    _copy_tree(package, extracted / "migrations")
    return extracted / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_directory()))
    return config


#: database objects that migrations manage by hand, outside the ORM models: full-text
#: search structures and analyst views
UNMODELLED = frozenset(
    {
        "articles_fts",
        "search_vector",
        "ix_articles_search_vector",
        "search_pairs",
        "ix_articles_search_pairs",
        "article_overview",
        "daily_category_counts",
    }
)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """For autogenerate and schema comparison: leave the hand-managed objects out."""
    return not (name and (name in UNMODELLED or name.startswith("articles_fts_")))


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def sqlite_migration_lock(engine: Engine) -> Iterator[None]:
    """Hold ``<database file>.migrate.lock`` (``flock``) for a SQLite file database; nothing
    for other databases.

    SQLite has no advisory locks, and Alembic's DDL is not run under one write lock: two
    processes upgrading a new file together would both see an empty schema and one would fail
    with "table ... already exists". A lock file next to the database makes them take turns:
    the second finds the schema at head. ``flock`` is released when the holder's file is
    closed, so a killed process leaves no stale lock.
    """
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    lock_path = Path(f"{database}.migrate.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema of ``engine``'s database to ``revision`` (idempotent). Concurrent
    upgrades of one database take turns: a PostgreSQL advisory lock, a lock file for SQLite.

    Each migration runs in a transaction of its own and is stamped with it, so an
    interrupted upgrade keeps the migrations it finished; a migration that rewrites every
    article (0011) commits batch by batch and resumes where it stopped."""
    config = alembic_config()
    with sqlite_migration_lock(engine), engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            # crawler processes starting together must not migrate at the same time
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            connection.commit()
        try:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        finally:
            if postgres:
                connection.rollback()  # whatever a failed migration left open
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                connection.commit()


class SchemaOutOfDateError(RuntimeError):
    """The database schema is not the code's and migrations are not applied automatically."""


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database's schema stands: its revision (None: no khabar schema) and the code's."""

    database: str  #: the database's URL, password hidden
    current: str | None
    head: str | None

    @property
    def at_head(self) -> bool:
        return self.current == self.head

    def problem(self, upgrade_command: str) -> str | None:
        """Why the code cannot use the database, naming the command that fixes it; None
        when the schema is at head."""
        if self.at_head:
            return None
        if self.current is None:
            return f"{self.database} holds no khabar schema (empty database?): run `{upgrade_command}`"
        return (
            f"{self.database} is at schema {self.current}, the code needs {self.head}: "
            f"run `{upgrade_command}`"
        )

    def __str__(self) -> str:
        behind = "" if self.at_head else f" (head {self.head})"
        return f"{self.database}: schema at {self.current}{behind}"


def schema_status(engine: Engine) -> SchemaStatus:
    display = engine.url.render_as_string(hide_password=True)
    return SchemaStatus(display, current_revision(engine), head_revision())


def require_head(engine: Engine, upgrade_command: str) -> None:
    """Raise :class:`SchemaOutOfDateError` unless the schema is at head; its message names
    ``upgrade_command`` (the caller's way to migrate)."""
    problem = schema_status(engine).problem(upgrade_command)
    if problem is not None:
        raise SchemaOutOfDateError(problem)


def upgrade_database(url: str) -> SchemaStatus:
    """Migrate the database at ``url`` to head (a SQLite file is created if missing)."""
    engine = create_db_engine(url)
    try:
        upgrade(engine)
        return schema_status(engine)
    finally:
        engine.dispose()


def database_status(url: str) -> SchemaStatus:
    engine = create_db_engine(url)
    try:
        return schema_status(engine)
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    """``upgrade`` as ``khabar db upgrade`` does it, for hosts without the ``khabar`` script."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["upgrade", "current"])
    parser.add_argument(
        "--database-url", default=None, help="default: DATABASE_URL or sqlite:///data/khabar.db"
    )
    args = parser.parse_args(argv)
    url = args.database_url or database_url()
    print(upgrade_database(url) if args.command == "upgrade" else database_status(url))


if __name__ == "__main__":
    main()
