"""the article URLs a sitemap or feed listed (``page_states.listed``)

When a sitemap or the feed answers 304, the run does not read it, yet the URLs it lists are
still on the site: the items-drop alarm counts them from this column. Nullable: a page read
before this migration counts once it is read in full again.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("page_states", sa.Column("listed", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("page_states", "listed")
