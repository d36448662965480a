"""The crawl's database: one :class:`Database` (engine and sessions) per crawler, owned by the
:class:`DatabaseExtension` and shared by every component that writes or reads rows (the store,
dedupe, the incremental middleware, the run record, the alarms) through :func:`get_database`.

Scrapy's own means of sharing one object between a crawler's components is an extension they
look up (``crawler.get_extension``): no module-level registry, nothing outlives its crawler.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from khabar_crawler.db.engine import create_db_engine, database_url
from khabar_crawler.db.migrate import SchemaOutOfDateError as SchemaOutOfDateError  # ensure_schema raises it
from khabar_crawler.db.migrate import require_head, upgrade

logger = logging.getLogger(__name__)


class DatabaseNotEnabledError(RuntimeError):
    """A component asked for the crawl's database, but the crawler has no DatabaseExtension."""


class Database:
    """An engine and its session factory for one database URL."""

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
        require_head(self.engine, "python -m khabar_crawler.db.migrate upgrade")

    def close(self) -> None:
        self.engine.dispose()


class DatabaseExtension:
    """Owns the crawl's :class:`Database` (``DATABASE_URL``).

    The database is opened on first use, not when the crawl starts: a crawl whose components
    never ask for it (no pipelines, a replay without storage) opens no connection and runs no
    migration. On first use the schema is migrated to head (``KHABAR_DB_AUTO_MIGRATE``, the
    default) or checked, so that a crawl fails at once against an old schema.

    It is disposed of at ``engine_stopped``, not at ``spider_closed``: the pipelines'
    ``close_spider`` (the store's last batch) runs before ``spider_closed`` is sent, but the
    ``spider_closed`` handlers themselves (the crawl_runs row, the alarms' items-drop query,
    the incremental middleware's last page states) run in the order they were connected, and
    this extension connects before all of them. ``engine_stopped`` is sent by the engine after
    ``spider_closed`` and its handlers have all returned, so nothing uses the database after it.
    (When a spider fails to open, the engine is never started and sends no ``engine_stopped``:
    the connections then close with the process.)
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._database: Database | None = None
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DatabaseExtension:
        return cls(crawler)

    @property
    def database(self) -> Database:
        """The crawl's database, opened (and its schema migrated or checked) on first use."""
        if self._database is None:
            url = database_url(self.crawler.settings)
            database = Database(url, create_db_engine(url, self.crawler.settings))
            database.ensure_schema(self.crawler.settings.getbool("KHABAR_DB_AUTO_MIGRATE", True))
            logger.info("Database: %s", database.display_url)
            self._database = database
        return self._database

    def engine_stopped(self) -> None:
        """Close the database's pooled connections (if it was ever opened)."""
        if self._database is not None:
            self._database.close()
            logger.debug("Database %s closed", self._database.display_url)


def get_database(crawler: Crawler) -> Database:
    """The crawl's database, shared by all its components (see :class:`DatabaseExtension`).

    Callable once the crawler's extensions exist (Scrapy builds them after the spider and
    before the engine): from a component's ``open_spider``/``spider_opened`` on, or lazily."""
    extension = crawler.get_extension(DatabaseExtension)
    if extension is None:
        raise DatabaseNotEnabledError(
            "the crawl needs its database, but khabar_crawler.db.database.DatabaseExtension "
            "is not in EXTENSIONS"
        )
    database: Database = extension.database
    return database
