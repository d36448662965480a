"""full-text search over the search forms, and analyst views

SQLite: an FTS5 table over ``title_search``, ``summary_search`` and ``body_search`` (external
content: ``articles``), kept in sync by triggers. PostgreSQL: a generated, weighted
``tsvector`` column with a GIN index (text search configuration ``simple`` over the
normalised forms: the same tokens, hence the same hits, as SQLite). Views: one row per
article with its tags and counts flattened, and articles per day and category.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE articles_fts USING fts5("
    "title_search, summary_search, body_search, content='articles', content_rowid='id',"
    " tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN"
    " INSERT INTO articles_fts(rowid, title_search, summary_search, body_search)"
    " VALUES (new.id, new.title_search, new.summary_search, new.body_search); END",
    "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN"
    " INSERT INTO articles_fts(articles_fts, rowid, title_search, summary_search, body_search)"
    " VALUES ('delete', old.id, old.title_search, old.summary_search, old.body_search); END",
    "CREATE TRIGGER articles_fts_update AFTER UPDATE OF title_search, summary_search, body_search"
    " ON articles BEGIN"
    " INSERT INTO articles_fts(articles_fts, rowid, title_search, summary_search, body_search)"
    " VALUES ('delete', old.id, old.title_search, old.summary_search, old.body_search);"
    " INSERT INTO articles_fts(rowid, title_search, summary_search, body_search)"
    " VALUES (new.id, new.title_search, new.summary_search, new.body_search); END",
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
]
POSTGRES_FTS = [
    "ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', coalesce(title_search, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(summary_search, '')), 'B') || "
    "setweight(to_tsvector('simple', coalesce(body_search, '')), 'C')) STORED",
    "CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)",
]

OVERVIEW = """
CREATE VIEW article_overview AS
SELECT a.id, a.article_id, a.canonical_url, a.title, a.category, a.language,
       a.published_at, a.modified_at, a.version AS versions,
       {tags} AS tags,
       (SELECT COUNT(*) FROM images AS i WHERE i.article_pk = a.id) AS images,
       (SELECT COUNT(*) FROM links AS l WHERE l.article_pk = a.id AND l.kind = 'see_also') AS see_also_links,
       (SELECT COUNT(*) FROM links AS l WHERE l.article_pk = a.id AND l.kind = 'related') AS related_links,
       (SELECT COUNT(*) FROM article_urls AS u WHERE u.article_pk = a.id) AS urls,
       {length}(a.body) AS body_chars,
       a.first_seen_at, a.last_seen_at
FROM articles AS a
"""
SQLITE_TAGS = (
    "(SELECT group_concat(name, ', ') FROM (SELECT t.name FROM article_tags AS at"
    " JOIN tags AS t ON t.id = at.tag_id WHERE at.article_pk = a.id ORDER BY at.position))"
)
POSTGRES_TAGS = (
    "(SELECT string_agg(t.name, ', ' ORDER BY at.position) FROM article_tags AS at"
    " JOIN tags AS t ON t.id = at.tag_id WHERE at.article_pk = a.id)"
)
DAILY = """
CREATE VIEW daily_category_counts AS
SELECT DATE(published_at) AS day, COALESCE(category, '(none)') AS category, COUNT(*) AS articles
FROM articles
WHERE published_at IS NOT NULL
GROUP BY DATE(published_at), COALESCE(category, '(none)')
"""


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_FTS if sqlite else POSTGRES_FTS:
        op.execute(statement)
    tags, length = (SQLITE_TAGS, "length") if sqlite else (POSTGRES_TAGS, "char_length")
    op.execute(OVERVIEW.format(tags=tags, length=length))
    op.execute(DAILY)


def downgrade() -> None:
    op.execute("DROP VIEW daily_category_counts")
    op.execute("DROP VIEW article_overview")
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER articles_fts_{trigger}")
        op.execute("DROP TABLE articles_fts")
    else:
        op.execute("DROP INDEX ix_articles_search_vector")
        op.execute("ALTER TABLE articles DROP COLUMN search_vector")
