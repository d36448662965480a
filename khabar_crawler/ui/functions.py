"""SQL functions of the crawl database for analysts' tools.

Every function here is an SQL function of the same name, registered on each Datasette
connection by :mod:`khabar_crawler.ui.plugin` and loaded by sqlite-utils from
``docs/datasette/functions.py`` (``sqlite-utils query ... --functions``):

- ``khabar_search_form(text)``: the normalised words of ``text`` (profile ``ar-v1``, as
  ``tags.name_search`` holds a tag);
- ``khabar_index_words(text)``: the words of ``text`` as the ``*_search`` columns hold them
  (profile ``ar-v2``, without the stems);
- ``khabar_fts_match(query)``: the FTS5 ``MATCH`` expression of a query typed as people write
  (``khabar search``'s own parser: words, "phrases", prefix*; no operator can slip in); NULL
  when nothing is left to search for;
- ``khabar_url(url)``: a stored, percent-encoded URL made readable.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from khabar_crawler.query.search_query import QueryError, parse_query
from khabar_crawler.query.search_sqlite import fts5_match
from khabar_crawler.text.normalize import index_words, search_form


def khabar_search_form(text: str | None) -> str:
    return search_form(text)


def khabar_index_words(text: str | None) -> str:
    return " ".join(index_words(text))


def khabar_fts_match(query: str | None) -> str | None:
    try:
        return fts5_match(parse_query(query or ""))
    except QueryError:
        return None


def khabar_url(url: str | None) -> str | None:
    return None if url is None else unquote(url)


#: the SQL functions by name (each takes one argument and is deterministic)
FUNCTIONS: dict[str, Callable[[str | None], str | None]] = {
    "khabar_search_form": khabar_search_form,
    "khabar_index_words": khabar_index_words,
    "khabar_fts_match": khabar_fts_match,
    "khabar_url": khabar_url,
}
