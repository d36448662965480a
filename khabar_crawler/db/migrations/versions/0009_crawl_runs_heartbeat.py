"""a running crawl's heartbeat (``crawl_runs.heartbeat_at``)

A crawl writes its counts so far into its row every ``KHABAR_HEARTBEAT_SECONDS``, with the
time; ``khabar stats`` shows a running run whose heartbeat stopped as stale.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("crawl_runs", sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("crawl_runs", "heartbeat_at")
