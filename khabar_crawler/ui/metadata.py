"""The Datasette metadata of the crawl database, built in Python (installed with the package).

``python -m khabar_crawler.ui.metadata [DATABASE]`` prints it as JSON:
``docs/datasette/metadata.json`` is that output, for ``datasette --metadata``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from khabar_crawler.ui.queries import canned_queries

#: the plugin's name in the metadata's ``plugins`` table
PLUGIN = "khabar"
#: the database's name when it is ``data/khabar.db``
DEFAULT_DATABASE = "khabar"

TITLE = "khabar: the crawled articles of khabarayn"
DESCRIPTION_HTML = (
    '<p dir="rtl" lang="ar"><a href="/-/search">البحث في المقالات</a> ·'
    ' <a href="/-/chart">المقالات في اليوم حسب التصنيف</a></p>'
    "<p>Search as people write: the search page (/-/search), the search box of articles and the"
    " canned query search normalise the text (أحمد finds احمد). Facets: category, tags, day."
    " See docs/querying.md.</p>"
)


def metadata(database: str = DEFAULT_DATABASE) -> dict[str, Any]:
    """The metadata for the crawl database served under the name ``database``."""
    articles_facets: list[Any] = ["category", {"tag": "tags"}, {"date": "published_at"}]
    return {
        "title": TITLE,
        "description_html": DESCRIPTION_HTML,
        "plugins": {PLUGIN: {"database": database}},
        "databases": {
            database: {
                "tables": {
                    "articles": {
                        "fts_table": "articles_fts",
                        "fts_pk": "id",
                        "label_column": "title",
                        "sort_desc": "published_at",
                        "facets": articles_facets,
                    },
                    "article_overview": {"sort_desc": "published_at", "facets": articles_facets},
                    "alembic_version": {"hidden": True},
                },
                "queries": canned_queries(),
            }
        },
    }


def main(argv: list[str]) -> None:
    database = argv[0] if argv else DEFAULT_DATABASE
    print(json.dumps(metadata(database), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
