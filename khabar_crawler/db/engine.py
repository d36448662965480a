"""Engines: the database URL (``DATABASE_URL`` setting or environment variable, else the
embedded SQLite default), per-dialect connection set-up (SQLite in WAL mode) and bounded
waits: no database operation may hang a crawl or the CLI for good.

The waits (seconds; each a Scrapy setting, else the environment variable of the same name,
else the default; 0 switches one off):

- ``KHABAR_DB_CONNECT_TIMEOUT`` (10): PostgreSQL connection set-up (libpq ``connect_timeout``,
  at least 2 s).
- ``KHABAR_DB_STATEMENT_TIMEOUT`` (60): PostgreSQL ``statement_timeout``: the server cancels a
  statement running longer (lock waits included). A server or network that stops answering
  cannot cancel anything, so the client gives up too, :data:`CLIENT_GRACE` seconds later,
  closing the connection (the pool then replaces it). TCP keepalives find a dead peer of an
  idle connection.
- ``KHABAR_DB_BUSY_TIMEOUT`` (30): SQLite ``busy_timeout``, how long a write waits for another
  process's lock before "database is locked".
"""

from __future__ import annotations

import inspect
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

if TYPE_CHECKING:  # the read side (khabar) loads no Scrapy
    from psycopg.abc import PQGen
    from scrapy.settings import BaseSettings

DEFAULT_DATABASE_URL = "sqlite:///data/khabar.db"

DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_STATEMENT_TIMEOUT = 60.0
DEFAULT_BUSY_TIMEOUT = 30.0
#: seconds past the statement timeout after which the client stops waiting for the server
CLIENT_GRACE = 2.0
#: libpq TCP keepalives: first probe after 30 s idle, then every 10 s, dead after 3 unanswered
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}
#: drivers that take libpq's connection parameters (the PostgreSQL waits apply to these)
LIBPQ_DRIVERS = frozenset({"psycopg", "psycopg2"})

RV = TypeVar("RV")
#: psycopg 3.3's ``Connection.wait`` takes a timeout; with an older psycopg only the server
#: enforces the statement timeout
WAIT_TAKES_TIMEOUT = "timeout" in inspect.signature(psycopg.Connection.wait).parameters


def database_url(settings: BaseSettings | None = None) -> str:
    """``DATABASE_URL`` from the settings, else the environment, else the SQLite default."""
    value = settings.get("DATABASE_URL") if settings is not None else None
    return str(value or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)


def _seconds(name: str, default: float, settings: BaseSettings | None) -> float:
    value = settings.get(name) if settings is not None else None
    if value is None or value == "":
        value = os.environ.get(name) or default
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {value!r}") from None
    if seconds < 0:
        raise ValueError(f"{name} must be a number of seconds, not {value!r}")
    return seconds


@dataclass(frozen=True)
class DbTimeouts:
    """The bounded waits of an engine, in seconds (0: no limit)."""

    connect: float = DEFAULT_CONNECT_TIMEOUT
    statement: float = DEFAULT_STATEMENT_TIMEOUT
    busy: float = DEFAULT_BUSY_TIMEOUT

    @classmethod
    def from_settings(cls, settings: BaseSettings | None = None) -> DbTimeouts:
        """Each wait from the settings, else the environment, else its default."""
        return cls(
            connect=_seconds("KHABAR_DB_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT, settings),
            statement=_seconds("KHABAR_DB_STATEMENT_TIMEOUT", DEFAULT_STATEMENT_TIMEOUT, settings),
            busy=_seconds("KHABAR_DB_BUSY_TIMEOUT", DEFAULT_BUSY_TIMEOUT, settings),
        )


class BoundedConnection(psycopg.Connection[Any]):
    """A psycopg connection that stops waiting for the server after ``io_timeout`` seconds.

    Every exchange with the server (execute, fetch, commit, rollback) goes through
    :meth:`psycopg.Connection.wait`; past the limit the connection is closed, since its
    protocol state is unknown, and an ``OperationalError`` raised, which SQLAlchemy takes for a
    disconnect. (``wait``'s ``timeout`` argument: psycopg 3.3, see :data:`WAIT_TAKES_TIMEOUT`.)
    """

    io_timeout: float | None = None

    def wait(self, gen: PQGen[RV], interval: float = 0.1, timeout: float | None = None) -> RV:
        limit = timeout if timeout is not None else self.io_timeout
        started = time.monotonic()
        try:
            return super().wait(gen, interval=interval, timeout=limit)
        except psycopg.OperationalError as error:
            if limit is None or time.monotonic() - started < limit:
                raise
            self.pgconn.finish()
            raise psycopg.OperationalError(
                f"no answer from the database server in {limit:g} s: connection closed"
            ) from error


def _sqlite_pragmas(busy_timeout: float) -> Any:
    def set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={round(busy_timeout * 1000)}")
        cursor.close()

    return set_pragmas


def _postgres_arguments(parsed: URL, timeouts: DbTimeouts) -> dict[str, Any]:
    """libpq parameters for the waits; a parameter given in the URL wins."""
    arguments: dict[str, Any] = {key: value for key, value in KEEPALIVES.items() if key not in parsed.query}
    if timeouts.connect and "connect_timeout" not in parsed.query:
        arguments["connect_timeout"] = max(2, round(timeouts.connect))
    if timeouts.statement:
        options = parsed.query.get("options", "")
        if isinstance(options, tuple):
            options = " ".join(options)
        if "statement_timeout" not in options:
            statement = f"-c statement_timeout={round(timeouts.statement * 1000)}"
            arguments["options"] = f"{options} {statement}".strip()
    return arguments


def create_db_engine(url: str, settings: BaseSettings | None = None) -> Engine:
    """An engine for ``url``; a SQLite file's directory is created, WAL mode switched on; the
    waits of :class:`DbTimeouts` (from ``settings``, else the environment) applied."""
    timeouts = DbTimeouts.from_settings(settings)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas(timeouts.busy))
        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "postgresql" or parsed.get_driver_name() not in LIBPQ_DRIVERS:
        return create_engine(parsed, pool_pre_ping=True)
    engine = create_engine(parsed, pool_pre_ping=True, connect_args=_postgres_arguments(parsed, timeouts))
    if parsed.get_driver_name() == "psycopg" and WAIT_TAKES_TIMEOUT:
        io_timeout = timeouts.statement + CLIENT_GRACE if timeouts.statement else None

        @event.listens_for(engine, "do_connect")
        def bounded_connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> BoundedConnection:
            connection = BoundedConnection.connect(*cargs, **cparams)
            connection.io_timeout = io_timeout
            return connection

    return engine
