"""The database: engines, models, migrations, batched writes, and (in
:mod:`khabar_crawler.db.database`) the crawl's shared database, a Scrapy extension.

This package's own names load no Scrapy, so the read side (``khabar``,
``python -m khabar_crawler.db.migrate``) starts without it.
"""

from khabar_crawler.db.engine import DEFAULT_DATABASE_URL, create_db_engine, database_url

__all__ = ["DEFAULT_DATABASE_URL", "create_db_engine", "database_url"]
