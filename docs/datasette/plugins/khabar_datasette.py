"""Datasette plugin of the crawl database (``datasette data/khabar.db --plugins-dir
docs/datasette/plugins --metadata docs/datasette/metadata.json``).

- the SQL functions of ``../functions.py`` on every connection (the canned query ``search``
  uses them);
- ``?_search=`` typed as people write: the search box's text (``_search`` and
  ``_search_<column>``) is normalised to the stored search form (``الأوروبي`` → ``الاوروبي``)
  before Datasette reads it;
- the ``*_search`` columns and the SimHash bands left out of the ``articles`` table's pages
  unless asked for (``?_col=`` or ``?_nocol=`` in the URL);
- URLs shown decoded (Arabic, not ``%D8%...``) in HTML pages; JSON and CSV keep them as stored.
"""

from __future__ import annotations

import runpy
import sqlite3
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

from datasette import hookimpl
from markupsafe import Markup, escape

from khabar_crawler.text.normalize import search_form

Scope = MutableMapping[str, Any]
App = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]

FUNCTIONS = {
    name: value
    for name, value in runpy.run_path(str(Path(__file__).resolve().parents[1] / "functions.py")).items()
    if name.startswith("khabar_") and callable(value)
}
#: columns of ``articles`` left out of its pages by default
HIDDEN_COLUMNS = (
    "title_search",
    "summary_search",
    "body_search",
    "simhash_band0",
    "simhash_band1",
    "simhash_band2",
    "simhash_band3",
)
URL_COLUMNS = frozenset({"canonical_url", "url"})


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    for name, function in FUNCTIONS.items():
        conn.create_function(name, 1, function, deterministic=True)


def rewrite_query(path: str, query: str) -> str:
    """The query string Datasette reads: search text normalised, internal columns hidden."""
    given = parse_qsl(query, keep_blank_values=True)
    pairs = [(k, search_form(v) if k == "_search" or k.startswith("_search_") else v) for k, v in given]
    table = path.rstrip("/").rsplit("/", 1)[-1].split(".", 1)[0]
    if table == "articles" and path.count("/") == 2 and not any(k in ("_col", "_nocol") for k, _ in pairs):
        pairs += [("_nocol", column) for column in HIDDEN_COLUMNS]
    return query if pairs == given else urlencode(pairs)


@hookimpl
def asgi_wrapper() -> Callable[[App], App]:
    def wrap(app: App) -> App:
        async def rewritten(scope: Scope, receive: Any, send: Any) -> None:
            if scope.get("type") == "http" and scope.get("method") == "GET":
                query = rewrite_query(scope["path"], scope.get("query_string", b"").decode("utf-8"))
                scope = {**scope, "query_string": query.encode("utf-8")}
            await app(scope, receive, send)

        return rewritten

    return wrap


@hookimpl
def render_cell(value: Any, column: str) -> Markup | None:
    if column in URL_COLUMNS and isinstance(value, str) and value.startswith(("http://", "https://")):
        return Markup('<a href="{}" dir="ltr">{}</a>').format(value, escape(unquote(value)))
    return None
