"""One database handle per crawl, shared by the pipelines that need it (dedupe, store)."""

from __future__ import annotations

import logging
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.crawler import Crawler
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from khabar_crawler.db.engine import create_db_engine, database_url
from khabar_crawler.db.migrate import current_revision, head_revision, upgrade

logger = logging.getLogger(__name__)


class SchemaOutOfDateError(RuntimeError):
    """The database schema is behind the code and migrations are not applied automatically."""


class Database:
    def __init__(self, url: str, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or create_db_engine(url)
        self.sessions: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def display_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def ensure_schema(self, migrate: bool) -> None:
        """Migrate to head (``migrate``), or fail clearly when the schema is behind."""
        if migrate:
            upgrade(self.engine)
            return
        current, head = current_revision(self.engine), head_revision()
        if current != head:
            raise SchemaOutOfDateError(
                f"database {self.display_url} is at schema {current}, the code needs {head}: "
                "run `python -m khabar_crawler.db.migrate upgrade`"
            )

    def close(self) -> None:
        self.engine.dispose()


_databases: WeakKeyDictionary[Crawler, Database] = WeakKeyDictionary()


def get_database(crawler: Crawler) -> Database:
    """The crawl's database (``DATABASE_URL``), schema checked or migrated on first use and
    disposed of when the spider closes."""
    database = _databases.get(crawler)
    if database is None:
        database = Database(database_url(crawler.settings))
        database.ensure_schema(crawler.settings.getbool("KHABAR_DB_AUTO_MIGRATE", True))
        logger.info("Database: %s", database.display_url)
        _databases[crawler] = database

        def close(spider: object) -> None:
            _databases.pop(crawler, None)
            database.close()

        crawler.signals.connect(close, signal=signals.spider_closed, weak=False)
    return database
