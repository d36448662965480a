"""``articles_fts`` declared so that Datasette and sqlite-utils find it (SQLite only)

Both tools find the FTS table of a table by reading its ``CREATE VIRTUAL TABLE`` text, and
recognise only ``content="articles"`` or ``content=[articles]``; migration 0002 wrote
``content='articles'``, so Datasette's ``?_search=`` was silently ignored and
``sqlite-utils search`` said the table was not configured. The table is recreated with the
same columns, ``content_rowid`` and tokenizer (what ``khabar search`` relies on), its triggers
recreated as 0002 has them, and the index rebuilt from ``articles``. PostgreSQL: nothing to
do.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TRIGGERS = [
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
]
#: ``content`` as the tools read it (0010), and as 0002 wrote it (for the downgrade)
CONTENT_FOR_TOOLS = 'content="articles"'
CONTENT_0002 = "content='articles'"


def _recreate(content: str) -> None:
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS articles_fts_{trigger}")
    op.execute("DROP TABLE IF EXISTS articles_fts")
    op.execute(
        "CREATE VIRTUAL TABLE articles_fts USING fts5("
        f"title_search, summary_search, body_search, {content}, content_rowid='id',"
        " tokenize='unicode61 remove_diacritics 2')"
    )
    for statement in TRIGGERS:
        op.execute(statement)
    op.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _recreate(CONTENT_FOR_TOOLS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _recreate(CONTENT_0002)
