"""A PostgreSQL schema of its own for a benchmark or a test, dropped afterwards: the shared
server is never changed otherwise."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text


@contextmanager
def fresh_schema(server_url: str, prefix: str) -> Iterator[str]:
    """A new schema ``<prefix>_<random>`` on ``server_url``; yields the URL that uses it (its
    ``search_path``), and drops it with everything in it at the end."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{server_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
