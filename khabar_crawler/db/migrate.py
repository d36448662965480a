"""Schema migrations with Alembic, run on an engine (no alembic.ini needed).

python -m khabar_crawler.db.migrate upgrade      # DATABASE_URL or the SQLite default
python -m khabar_crawler.db.migrate current
"""

from __future__ import annotations

import argparse
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from khabar_crawler.db.engine import create_db_engine, database_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x6B686272  # "khbr": the PostgreSQL advisory lock held while migrating


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
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


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema of ``engine``'s database to ``revision`` (idempotent)."""
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # crawler processes starting together must not migrate at the same time
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["upgrade", "current"])
    parser.add_argument(
        "--database-url", default=None, help="default: DATABASE_URL or sqlite:///data/khabar.db"
    )
    args = parser.parse_args(argv)
    url = args.database_url or database_url()
    engine = create_db_engine(url)
    if args.command == "upgrade":
        upgrade(engine)
    print(f"{url.split('@')[-1]}: schema at {current_revision(engine)} (head {head_revision()})")
    engine.dispose()


if __name__ == "__main__":
    main()
