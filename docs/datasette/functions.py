"""SQL functions for analysts' tools over the crawl database (run where the project is installed).

Every public function here is an SQL function of the same name:

- Datasette loads them through ``plugins/khabar_datasette.py`` (``--plugins-dir``);
- sqlite-utils through ``sqlite-utils query ... --functions docs/datasette/functions.py``.

``khabar_search_form(text)``: the normalised words of ``text``, as the
``*_search`` columns. ``khabar_fts_match(query)``: the FTS5 ``MATCH`` expression of a query typed
as people write (``khabar search``'s own parser: words, "phrases", prefix*; no operator can slip
in); NULL when nothing is left to search for. ``khabar_url(url)``: a stored, percent-encoded URL
made readable.
"""

from __future__ import annotations

from urllib.parse import unquote as _unquote

from khabar_crawler.query.search_query import QueryError as _QueryError
from khabar_crawler.query.search_query import parse_query as _parse_query
from khabar_crawler.query.search_sqlite import fts5_match as _fts5_match
from khabar_crawler.text.normalize import search_form as _search_form


def khabar_search_form(text: str | None) -> str:
    return _search_form(text)


def khabar_fts_match(query: str | None) -> str | None:
    try:
        return _fts5_match(_parse_query(query or ""))
    except _QueryError:
        return None


def khabar_url(url: str | None) -> str | None:
    return None if url is None else _unquote(url)
