"""The Datasette hooks of the crawl database (``khabar ui`` loads them; so does
``datasette --plugins-dir docs/datasette/plugins``):

- the SQL functions of :mod:`.functions` on every connection;
- ``?_search=`` typed as people write, and the internal columns of ``articles`` hidden
  (:mod:`.rewrite`);
- the tag facet and the ``?_tag=`` filter (:mod:`.tags`);
- the search form, the article pages and the chart (:mod:`.pages`);
- URLs shown decoded (Arabic, not ``%D8%...``) in HTML pages (JSON and CSV keep them as
  stored), and an article's title and site id linking to its page.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote

from datasette import hookimpl  # type: ignore[import-untyped]
from markupsafe import Markup, escape

from khabar_crawler.ui.functions import FUNCTIONS
from khabar_crawler.ui.pages import ARTICLE_PATH, ROUTES
from khabar_crawler.ui.rewrite import rewrite_query
from khabar_crawler.ui.tags import TAG_PARAM, TagFacet, tag_filter

Scope = MutableMapping[str, Any]
App = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]

URL_COLUMNS = frozenset({"canonical_url", "url"})
#: columns that link to the article's page when the row has the article's ``id``
ARTICLE_LINK_COLUMNS = frozenset({"title", "article_id"})
#: tables and views whose ``id`` column is an article's (canned queries: ``search``)
ARTICLE_ROWS = frozenset({"articles", "article_overview", None})


@hookimpl  # type: ignore[untyped-decorator]
def prepare_connection(conn: sqlite3.Connection) -> None:
    for name, function in FUNCTIONS.items():
        conn.create_function(name, 1, function, deterministic=True)


@hookimpl  # type: ignore[untyped-decorator]
def asgi_wrapper() -> Callable[[App], App]:
    def wrap(app: App) -> App:
        async def rewritten(scope: Scope, receive: Any, send: Any) -> None:
            if scope.get("type") == "http" and scope.get("method") == "GET":
                query = rewrite_query(scope["path"], scope.get("query_string", b"").decode("utf-8"))
                scope = {**scope, "query_string": query.encode("utf-8")}
            await app(scope, receive, send)

        return rewritten

    return wrap


@hookimpl  # type: ignore[untyped-decorator]
def register_routes() -> list[tuple[str, Any]]:
    return list(ROUTES)


@hookimpl  # type: ignore[untyped-decorator]
def register_facet_classes() -> list[type]:
    return [TagFacet]


@hookimpl  # type: ignore[untyped-decorator]
def filters_from_request(request: Any, table: str | None) -> Any:
    return tag_filter(table, request.args.getlist(TAG_PARAM))


def _article_pk(row: Any, table: str | None) -> int | None:
    # a sqlite3.Row: ``in`` would look at its values, keys() are its columns
    if table not in ARTICLE_ROWS or row is None or "id" not in row.keys():  # noqa: SIM118
        return None
    pk = row["id"]
    return pk if isinstance(pk, int) else None


@hookimpl  # type: ignore[untyped-decorator]
def render_cell(row: Any, value: Any, column: str, table: str | None, datasette: Any) -> Markup | None:
    if column in URL_COLUMNS and isinstance(value, str) and value.startswith(("http://", "https://")):
        return Markup('<a href="{}" dir="ltr">{}</a>').format(value, escape(unquote(value)))
    if column in ARTICLE_LINK_COLUMNS and isinstance(value, str):
        pk = _article_pk(row, table)
        if pk is not None:
            href = datasette.urls.path(ARTICLE_PATH.format(id=pk))
            return Markup('<a href="{}" dir="auto">{}</a>').format(href, value)
    return None
