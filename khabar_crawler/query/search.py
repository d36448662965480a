"""Arabic full-text search in the database: the query parsed once, run by its back end.

The query object (:mod:`~khabar_crawler.query.search_query`: terms, phrases, prefixes,
snippets) knows no SQL; each back end turns it into its own SQL: SQLite FTS5
(:mod:`~khabar_crawler.query.search_sqlite`) or the PostgreSQL ``tsvector``
(:mod:`~khabar_crawler.query.search_postgres`). This module picks the back end by the
connection's dialect, adds the filters both share, and makes the hits.

The matches are ranked the same way on both back ends, by one SQL expression both run on
the stored search forms (:mod:`~khabar_crawler.query.search_rank`), so both give the same
hits in the same order.

A query matching more than :data:`RANK_CANDIDATES` articles is ranked among its
RANK_CANDIDATES most recently stored matches (ranking reads each candidate's search forms,
which would make very common words slow); ``rank_all`` ranks every match.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Row, func, select
from sqlalchemy.orm import Session

from khabar_crawler.db.models import Article
from khabar_crawler.db.values import jsonable, search_columns
from khabar_crawler.query import search_postgres, search_sqlite
from khabar_crawler.query.search_filters import Filters, filter_sql
from khabar_crawler.query.search_query import Query, parse_query, snippet
from khabar_crawler.text.normalize import SEARCH_PROFILE

#: a query matching more than this many articles is ranked among its newest matches
RANK_CANDIDATES = 1000


class Backend(Protocol):
    """What a back end module provides (:mod:`search_sqlite`, :mod:`search_postgres`)."""

    AUTHOR_NAMES: str

    def has_author(self, names: str) -> str: ...

    def bind_datetime(self, value: datetime) -> Any: ...

    def read_datetime(self, value: Any) -> datetime | None: ...

    def ranked_rows(
        self, connection: Connection, query: Query, where: str, params: dict[str, Any]
    ) -> list[Row[Any]]: ...

    def rebuild_index(self, connection: Connection) -> None: ...


def backend(connection: Connection) -> Backend:
    """The back end of the connection's dialect (each return checked against :class:`Backend`)."""
    if connection.dialect.name == "sqlite":
        return search_sqlite
    return search_postgres


@dataclass(frozen=True)
class Hit:
    id: int
    article_id: str | None
    title: str
    category: str | None
    published_at: datetime | None
    url: str
    score: float
    snippet: str

    def as_json(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "title": self.title,
            "category": self.category,
            "published_at": jsonable(self.published_at),
            "url": self.url,
            "score": round(self.score, 6),
            "snippet": self.snippet,
        }


def search(
    connection: Connection,
    raw: str,
    *,
    category: str | None = None,
    tag: str | None = None,
    author: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 10,
    marks: tuple[str, str] = ("<mark>", "</mark>"),
    snippets: bool = True,
    rank_all: bool = False,
) -> list[Hit]:
    """Ranked hits for ``raw``, best first (``snippets=False``: without snippets), among the
    articles the filters keep (:mod:`~khabar_crawler.query.search_filters`: a category by
    name in any spelling or by slug, a tag, an author, published since/until).

    A query matching more than :data:`RANK_CANDIDATES` articles is ranked among its
    RANK_CANDIDATES most recently stored matches (``rank_all``: among all of them, which
    reads every match's index entry and is slow for very common words)."""
    query = parse_query(raw)
    back_end = backend(connection)
    filters = Filters(category=category, tag=tag, author=author, since=since, until=until)
    where, params = filter_sql(connection, back_end, filters)
    params["limit"] = max(1, limit)
    params["candidates"] = None if rank_all else max(params["limit"], RANK_CANDIDATES)
    return [
        Hit(
            row.id,
            row.article_id,
            row.title,
            row.category,
            back_end.read_datetime(row.published_at),
            row.canonical_url,
            float(row.score),
            snippet(row.body, query, marks=marks) if snippets else "",
        )
        for row in back_end.ranked_rows(connection, query, where, params)
    ]


def rebuild_index(connection: Connection) -> None:
    """Rebuild the full-text index from the stored search forms."""
    backend(connection).rebuild_index(connection)


@dataclass(frozen=True)
class Rebuilt:
    recomputed: int  #: articles whose search forms were recomputed
    indexed: int  #: articles in the rebuilt index


def rebuild_search(connection: Connection, *, everything: bool = False) -> Rebuilt:
    """Recompute the search forms of articles of an older profile (``everything``: of every
    article) with the current one, then rebuild the index; commits."""
    recomputed = 0
    with Session(bind=connection) as session:
        articles = select(Article).execution_options(yield_per=500)
        if not everything:
            articles = articles.where(Article.search_profile != SEARCH_PROFILE)
        for article in session.scalars(articles):
            for column, value in search_columns(article.title, article.summary, article.body).items():
                setattr(article, column, value)
            recomputed += 1
        session.commit()
    rebuild_index(connection)
    connection.commit()
    indexed = connection.scalar(select(func.count()).select_from(Article)) or 0
    return Rebuilt(recomputed, indexed)
