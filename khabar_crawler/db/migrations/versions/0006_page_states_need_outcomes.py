"""page states without an outcome lose their validators

Before 0006 a page's validators were saved as soon as it was fetched, before its article was
stored; a crawl that died in between left states that made later runs skip the article for
good (a 304 is not parsed). From 0006 on a state is saved with its page's outcome. The states
already there that no stored article or rejected page stands behind lose their ETag and
Last-Modified, so that each such page is fetched in full once more (discovery pages cost one
full fetch each). Nothing to undo: the downgrade leaves the states as they are.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE page_states SET etag = NULL, last_modified = NULL"
        " WHERE url NOT IN (SELECT url FROM article_urls)"
        " AND url NOT IN (SELECT url FROM rejected_pages)"
    )


def downgrade() -> None:
    pass
