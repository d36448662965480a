"""INSERT ... ON CONFLICT DO UPDATE on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def upsert(connection: Connection, table: Table, rows: list[dict[str, Any]], key: str) -> None:
    """Insert ``rows`` into ``table``; rows whose ``key`` exists are updated instead."""
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    updates = {column: statement.excluded[column] for column in rows[0] if column != key}
    connection.execute(statement.on_conflict_do_update(index_elements=[key], set_=updates), rows)
