"""Values as the database and JSON hold them, computed in one place for every writer and reader.

The store, the run record, the stats file and the ``khabar`` reports all turn datetimes and
other Python values into JSON, and the store and ``khabar db rebuild-search`` both derive an
article's search columns from its display text: each does it through these functions, so
that a stored value never depends on which of them wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from khabar_crawler.text.normalize import SEARCH_PROFILE, index_form


def jsonable(value: Any) -> Any:
    """``value`` as JSON can hold it: dates and datetimes as ISO 8601 text, mappings and
    sequences element by element, scalars as they are, anything else as its text.

    Also a ``default=`` for :func:`json.dumps` (which calls it only for what it cannot
    write itself)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, date):  # datetime is a date
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return str(value)


def search_columns(title: str | None, summary: str | None, body: str | None) -> dict[str, str]:
    """The ``articles`` search columns of a title, summary and body: their indexed forms
    (profile :data:`~khabar_crawler.text.normalize.SEARCH_PROFILE`, words then marked stems:
    :func:`~khabar_crawler.text.normalize.index_form`) and that profile's name."""
    return {
        "title_search": index_form(title),
        "summary_search": index_form(summary),
        "body_search": index_form(body),
        "search_profile": SEARCH_PROFILE,
    }
