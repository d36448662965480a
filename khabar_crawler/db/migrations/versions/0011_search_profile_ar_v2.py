"""search profile ar-v2: light stemming and hamza folding in the stored search forms

The ``*_search`` columns of ``articles`` are recomputed in Python
(:func:`khabar_crawler.db.values.search_columns`: the words, then their marked light stems;
hamza seats folded), a batch of :data:`BATCH` articles at a time, streaming by id. Run by
``khabar db upgrade`` (a transaction a migration), each batch is committed on its own: rows
whose ``search_profile`` is already ``ar-v2`` are skipped, so an interrupted upgrade resumes
where it stopped (the revision is stamped once every row is done). Run inside a caller's
transaction, the batches stay in it. The indexes follow the columns: SQLite's FTS5 table by its update
trigger, PostgreSQL's generated ``search_vector`` and ``search_pairs`` as each row is
written. ``tags.name_search`` keeps its ``ar-v1`` form (a lookup key, not searched by words).

The downgrade recomputes the ``ar-v1`` forms the same way.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from khabar_crawler.text.normalize import index_form, search_form

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

#: articles read and rewritten per statement
BATCH = 500

_ARTICLES = sa.table(
    "articles",
    sa.column("id", sa.Integer),
    sa.column("title", sa.Text),
    sa.column("summary", sa.Text),
    sa.column("body", sa.Text),
    sa.column("title_search", sa.Text),
    sa.column("summary_search", sa.Text),
    sa.column("body_search", sa.Text),
    sa.column("search_profile", sa.String),
)


def recompute(connection: sa.Connection, profile: str, *, commit_batches: bool = False) -> int:
    """Rewrite the search columns of every article not of ``profile`` with that profile's
    forms, in batches by id (``commit_batches``: each in a transaction of its own, on a
    connection in autocommit mode); the number of articles rewritten."""
    form = index_form if profile == "ar-v2" else search_form
    a = _ARTICLES.c
    update = (
        sa.update(_ARTICLES)
        .where(a.id == sa.bindparam("pk"))
        .values(
            title_search=sa.bindparam("t"),
            summary_search=sa.bindparam("s"),
            body_search=sa.bindparam("b"),
            search_profile=profile,
        )
    )
    done, last = 0, 0
    while True:
        if commit_batches:
            connection.exec_driver_sql("BEGIN")
        rows = connection.execute(
            sa.select(a.id, a.title, a.summary, a.body)
            .where(a.id > last, a.search_profile != profile)
            .order_by(a.id)
            .limit(BATCH)
        ).all()
        if rows:
            connection.execute(
                update,
                [{"pk": r.id, "t": form(r.title), "s": form(r.summary), "b": form(r.body)} for r in rows],
            )
        if commit_batches:
            connection.exec_driver_sql("COMMIT")
        if not rows:
            return done
        done += len(rows)
        last = rows[-1].id


def _recompute(profile: str) -> None:
    context = op.get_context()
    if not context.opts.get("transaction_per_migration"):
        recompute(op.get_bind(), profile)
        return
    # the migration's own transaction is committed here; each batch gets its own
    with context.autocommit_block():
        recompute(op.get_bind(), profile, commit_batches=True)


def upgrade() -> None:
    _recompute("ar-v2")


def downgrade() -> None:
    _recompute("ar-v1")
