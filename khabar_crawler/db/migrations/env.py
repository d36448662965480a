"""Alembic environment: runs on the connection given by khabar_crawler.db.migrate, or on
the URL of ``-x url=...`` / DATABASE_URL when alembic is called from the command line."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from khabar_crawler.db.engine import create_db_engine, database_url
from khabar_crawler.db.migrate import include_name
from khabar_crawler.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    """Run the migrations on ``connection``: each in a transaction of its own when the
    connection is not in one (:func:`khabar_crawler.db.migrate.upgrade`), else all in the
    caller's transaction."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
        transaction_per_migration=not connection.in_transaction(),
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or database_url()
    engine = create_db_engine(url)
    with engine.connect() as conn:
        run_on(conn)
    engine.dispose()
