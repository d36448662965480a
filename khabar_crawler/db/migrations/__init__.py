"""Alembic migrations of the khabar_crawler schema (applied by khabar_crawler.db.migrate)."""
