"""which extraction layer filled each field of an article (``articles.field_layers``, JSON)

A nullable JSON column: articles stored before this migration keep NULL until their content
changes. Plain ``ADD COLUMN`` / ``DROP COLUMN`` on both back ends (SQLite 3.35 or later for the
downgrade): a batch rebuild of ``articles`` would drop the FTS5 triggers of 0002.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("field_layers", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("articles", "field_layers")
