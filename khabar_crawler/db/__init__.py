"""The database: SQLAlchemy models, engines, migrations and the per-crawl handle."""

from khabar_crawler.db.database import Database, get_database
from khabar_crawler.db.engine import DEFAULT_DATABASE_URL, create_db_engine, database_url

__all__ = ["DEFAULT_DATABASE_URL", "Database", "create_db_engine", "database_url", "get_database"]
