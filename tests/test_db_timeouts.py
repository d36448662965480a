"""Bounded waits (khabar_crawler/db/engine.py): a stalled PostgreSQL fails a connect or a
query within its timeout instead of hanging; SQLite waits for a lock for its busy timeout."""

from __future__ import annotations

import inspect
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from scrapy.settings import Settings
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from khabar_crawler.db.engine import DbTimeouts, create_db_engine
from tests.faults import TcpProxy, pg_proxy  # noqa: F401  (the fixture)

SMALL = Settings({"KHABAR_DB_CONNECT_TIMEOUT": 2, "KHABAR_DB_STATEMENT_TIMEOUT": 1})


def seconds_to_fail(action: Callable[[], object], cap: float = 30.0) -> float:
    """How long ``action`` took to raise OperationalError (``cap`` when it hung that long)."""
    outcome: list[float] = []
    started = time.monotonic()

    def run() -> None:
        try:
            action()
        except OperationalError:
            outcome.append(time.monotonic() - started)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(cap)
    return outcome[0] if outcome else cap


@pytest.fixture
def proxied_engine(pg_proxy: TcpProxy, postgres_url: str) -> Iterator[Engine]:  # noqa: F811
    engine = create_db_engine(pg_proxy.url_for(postgres_url), SMALL)
    yield engine
    pg_proxy.restore()
    engine.dispose()


def query(engine: Engine, sql: str = "SELECT 1") -> object:
    with engine.connect() as connection:
        return connection.execute(text(sql)).scalar()


def test_default_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KHABAR_DB_CONNECT_TIMEOUT", "KHABAR_DB_STATEMENT_TIMEOUT", "KHABAR_DB_BUSY_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    assert DbTimeouts.from_settings(Settings()) == DbTimeouts(connect=10, statement=60, busy=30)


def test_environment_sets_a_timeout_the_settings_leave_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KHABAR_DB_STATEMENT_TIMEOUT", "5")
    assert DbTimeouts.from_settings(Settings({"KHABAR_DB_STATEMENT_TIMEOUT": None})).statement == 5


def test_setting_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KHABAR_DB_STATEMENT_TIMEOUT", "5")
    assert DbTimeouts.from_settings(SMALL).statement == 1


def test_a_bad_timeout_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KHABAR_DB_BUSY_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="KHABAR_DB_BUSY_TIMEOUT"):
        DbTimeouts.from_settings()


def test_sqlite_write_waits_for_the_busy_timeout_then_fails(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    engine = create_db_engine(f"sqlite:///{path}", Settings({"KHABAR_DB_BUSY_TIMEOUT": 1}))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")

    def write() -> None:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))

    elapsed = seconds_to_fail(write)
    holder.close()
    engine.dispose()
    assert 0.9 <= elapsed < 3


def test_server_cancels_a_statement_past_the_timeout(postgres_url: str) -> None:
    engine = create_db_engine(postgres_url, SMALL)
    elapsed = seconds_to_fail(lambda: query(engine, "SELECT pg_sleep(5)"))
    engine.dispose()
    assert elapsed < 2.5


def test_connect_through_a_frozen_proxy_fails_within_the_connect_timeout(
    pg_proxy: TcpProxy,  # noqa: F811
    proxied_engine: Engine,
) -> None:
    pg_proxy.freeze()
    assert seconds_to_fail(lambda: query(proxied_engine)) < 4


@pytest.mark.e2e
def test_query_on_a_frozen_connection_fails_within_the_statement_timeout(
    pg_proxy: TcpProxy,  # noqa: F811
    proxied_engine: Engine,
) -> None:
    with proxied_engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        pg_proxy.freeze()
        elapsed = seconds_to_fail(lambda: connection.execute(text("SELECT 2")))
    assert elapsed < 4


@pytest.mark.e2e
def test_engine_recovers_after_a_freeze(pg_proxy: TcpProxy, proxied_engine: Engine) -> None:  # noqa: F811
    with proxied_engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        pg_proxy.freeze()
        seconds_to_fail(lambda: connection.execute(text("SELECT 2")))
    pg_proxy.restore()
    assert query(proxied_engine) == 1


def test_query_after_a_cut_fails_at_once(pg_proxy: TcpProxy, proxied_engine: Engine) -> None:  # noqa: F811
    query(proxied_engine)
    pg_proxy.cut()
    assert seconds_to_fail(lambda: query(proxied_engine)) < 2


def test_psycopg_wait_takes_a_timeout() -> None:
    """BoundedConnection relies on ``Connection.wait(gen, interval, timeout)`` (psycopg 3.3)."""
    assert "timeout" in inspect.signature(psycopg.Connection.wait).parameters
