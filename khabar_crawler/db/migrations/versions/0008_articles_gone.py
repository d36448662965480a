"""articles whose page is gone (``articles.gone_at``, ``articles.gone_run_id``)

A revisit that finds an article's page answering 404 or 410 marks the article gone, with the
time and the run; the article and its versions stay. Plain ``ADD COLUMN`` on both back ends
(a batch rebuild of ``articles`` would drop the FTS5 triggers of 0002); the run is a plain
``crawl_runs`` id, without a foreign key (SQLite cannot add one to a table in place).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("gone_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("articles", sa.Column("gone_run_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("articles", "gone_run_id")
    op.drop_column("articles", "gone_at")
