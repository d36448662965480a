"""PostgreSQL phrase index: the adjacent word pairs of each article, in a GIN index

A GIN index over ``search_vector`` stores no word positions, so a phrase query re-checks every
row holding all of its words from the row's compressed vector (about 10 us a row): a phrase of
common words (``"في من"``) re-checked most of the table. ``search_pairs`` holds every pair of
words adjacent in one column (title, summary or body: the same positions and weights as
``search_vector``, so a phrase never spans two columns), computed by
``khabar_phrase_pairs(tsvector)``; ``khabar_crawler.query.search`` looks a two-word phrase up as one
exact pair and narrows longer phrases to the rows holding all their pairs before re-checking.
SQLite needs nothing: FTS5 indexes positions.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: every pair "a b" of lexemes at positions p and p + 1 with the same weight (same column)
PAIRS_FUNCTION = """
CREATE FUNCTION khabar_phrase_pairs(v tsvector) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  WITH w AS MATERIALIZED (
    SELECT u.lexeme, p.pos, p.weight
    FROM unnest(v) AS u, unnest(u.positions, u.weights) AS p(pos, weight))
  SELECT coalesce(array_agg(DISTINCT a.lexeme || ' ' || b.lexeme), '{}')
  FROM w AS a JOIN w AS b ON b.pos = a.pos + 1 AND b.weight = a.weight
$$
"""
#: the expression of ``search_vector`` (0002): a generated column cannot read another one
VECTOR = (
    "setweight(to_tsvector('simple', coalesce(title_search, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(summary_search, '')), 'B') || "
    "setweight(to_tsvector('simple', coalesce(body_search, '')), 'C')"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PAIRS_FUNCTION)
    op.execute(
        "ALTER TABLE articles ADD COLUMN search_pairs text[]"
        f" GENERATED ALWAYS AS (khabar_phrase_pairs({VECTOR})) STORED"
    )
    op.execute("CREATE INDEX ix_articles_search_pairs ON articles USING gin (search_pairs)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_articles_search_pairs")
    op.execute("ALTER TABLE articles DROP COLUMN search_pairs")
    op.execute("DROP FUNCTION khabar_phrase_pairs(tsvector)")
