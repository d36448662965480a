"""Engines: the database URL (``DATABASE_URL`` setting or environment variable, else the
embedded SQLite default) and per-dialect connection set-up (SQLite in WAL mode)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

if TYPE_CHECKING:  # the read side (khabar) loads no Scrapy
    from scrapy.settings import BaseSettings

DEFAULT_DATABASE_URL = "sqlite:///data/khabar.db"


def database_url(settings: BaseSettings | None = None) -> str:
    """``DATABASE_URL`` from the settings, else the environment, else the SQLite default."""
    value = settings.get("DATABASE_URL") if settings is not None else None
    return str(value or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's directory is created, WAL mode switched on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True)
