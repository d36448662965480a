"""The filters of a search (category, tag, author, dates) as SQL on the article ``a``.

Names are matched as people type them, not as the site spelled them: a category by its
name in any spelling (``اسيا`` is ``آسيا``: the ``ar-v1`` search form of both sides) or by the
slug of its listing (``asia``, :data:`~khabar_crawler.site.CATEGORY_SLUGS`); a tag by its name
(``#كوريا_الجنوبية`` is the tag ``كوريا الجنوبية``); an author by the words of the name
(``بوريل`` finds ``جوزيب بوريل``). Each name is first looked up among the stored ones, so a
filter that names nothing stored is an error that says so (:class:`FilterError`), never an
empty result that looks like "no article".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, text

from khabar_crawler.query.search_query import QueryError
from khabar_crawler.site import CATEGORY_SLUGS
from khabar_crawler.text.normalize import search_form

#: how many stored names an error lists at most
SHOWN = 12


class FilterError(QueryError):
    """A filter that names nothing stored; the message lists what is."""


class Dialect(Protocol):
    """What a back end module provides for the filters."""

    #: the distinct author names of the stored articles (one column)
    AUTHOR_NAMES: str

    def bind_datetime(self, value: datetime) -> Any: ...

    def has_author(self, names: str) -> str: ...


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    tag: str | None = None
    author: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _listed(names: list[str]) -> str:
    shown = "، ".join(sorted(names)[:SHOWN])
    return shown + (f" … ({len(names)} in all)" if len(names) > SHOWN else "") if names else "none"


def _category_names(connection: Connection, given: str) -> list[str]:
    stored = list(connection.scalars(text("SELECT DISTINCT category FROM articles WHERE category <> ''")))
    wanted = {search_form(given), search_form(CATEGORY_SLUGS.get(given.strip().lower(), given))}
    names = [name for name in stored if search_form(name) in wanted]
    if not names:
        raise FilterError(f"no category {given!r} in the database (categories: {_listed(stored)})")
    return names


def _tag_ids(connection: Connection, given: str) -> list[int]:
    wanted = search_form(given.strip().lstrip("#").replace("_", " "))
    ids = list(connection.scalars(text("SELECT id FROM tags WHERE name_search = :name"), {"name": wanted}))
    if not ids:
        raise FilterError(f"no tag {given!r} in the database")
    return ids


def _author_names(connection: Connection, dialect: Dialect, given: str) -> list[str]:
    stored = [name for name in connection.scalars(text(dialect.AUTHOR_NAMES)) if name]
    wanted = set(search_form(given).split())
    names = [name for name in stored if wanted <= set(search_form(name).split())]
    if not wanted or not names:
        raise FilterError(f"no author {given!r} in the database (authors: {_listed(stored)})")
    return names


def _one_of(column: str, prefix: str, values: list[Any], params: dict[str, Any]) -> str:
    """``column IN (:prefix0, ...)`` with the values bound."""
    for i, value in enumerate(values):
        params[f"{prefix}{i}"] = value
    return f"{column} IN ({', '.join(f':{prefix}{i}' for i in range(len(values)))})"


def filter_sql(connection: Connection, dialect: Dialect, filters: Filters) -> tuple[str, dict[str, Any]]:
    """The filters as `` AND ...`` clauses on the article ``a`` and their bound values; raises
    :class:`FilterError` for a name that nothing stored bears."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if filters.category:
        names = _category_names(connection, filters.category)
        clauses.append(_one_of("a.category", "category", names, params))
    if filters.tag:
        ids = _one_of("t.tag_id", "tag", _tag_ids(connection, filters.tag), params)
        clauses.append(f"EXISTS (SELECT 1 FROM article_tags AS t WHERE t.article_pk = a.id AND {ids})")
    if filters.author:
        names = _author_names(connection, dialect, filters.author)
        clauses.append(dialect.has_author(_one_of("j.value", "author", names, params)))
    if filters.since:
        clauses.append("a.published_at >= :since")
        params["since"] = dialect.bind_datetime(filters.since)
    if filters.until:
        clauses.append("a.published_at < :until")
        params["until"] = dialect.bind_datetime(filters.until)
    return "".join(f" AND {clause}" for clause in clauses), params
