"""The query strings Datasette reads, rewritten (pure functions, no Datasette):

- ``?_search=`` typed as people write: the search box's text (``_search`` and
  ``_search_<column>``) becomes the stored search form (``الأوروبي`` → ``الاوروبي``);
- the internal columns of ``articles`` (the ``*_search`` columns, the SimHash bands) left out
  of its pages unless the URL has a ``_col`` or ``_nocol`` of its own.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from khabar_crawler.text.normalize import search_form

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


def rewrite_query(path: str, query: str) -> str:
    """The query string Datasette reads for ``path``: search text normalised, internal
    columns hidden (``query`` itself when nothing changes)."""
    given = parse_qsl(query, keep_blank_values=True)
    pairs = [(k, search_form(v) if k == "_search" or k.startswith("_search_") else v) for k, v in given]
    table = path.rstrip("/").rsplit("/", 1)[-1].split(".", 1)[0]
    if table == "articles" and path.count("/") == 2 and not any(k in ("_col", "_nocol") for k, _ in pairs):
        pairs += [("_nocol", column) for column in HIDDEN_COLUMNS]
    return query if pairs == given else urlencode(pairs)
