"""The SQLite back end of search: the FTS5 table ``articles_fts`` over the search forms.

Ranking is BM25, title weighted over summary over body. FTS5 walks the matches newest first
and stops at the candidates, which it ranks; then the few articles shown are read (bodies are
large). Datetimes are bound and read as the store writes them: naive UTC text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, text

from khabar_crawler.query.search_query import Query


def fts5_match(query: Query) -> str:
    """The FTS5 MATCH expression: quoted tokens only, so no operator can slip in. Each term
    is its words as written OR its marked stems (profile ar-v2), so that the form as
    written matches twice and ranks higher."""
    parts = []
    star = "*"
    for term in query.terms:
        exact = '"' + " ".join(term.words) + '"' + (star if term.prefix else "")
        stems = '"' + " ".join(term.stems) + '"' + (star if term.prefix else "")
        parts.append(f"({exact} OR {stems})")
    return " AND ".join(parts)


def bind_datetime(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def read_datetime(value: str | None) -> datetime | None:
    """A stored datetime as raw SQL returns it on SQLite (the stored text)."""
    return None if value is None else datetime.fromisoformat(value + "+00:00")


def ranked_rows(connection: Connection, query: Query, where: str, params: dict[str, Any]) -> list[Row[Any]]:
    """The hits' rows, best first: ``where`` narrows the matches (``a.`` is the article),
    ``params`` binds it and holds ``limit`` and ``candidates`` (None: rank every match)."""
    join = " JOIN articles AS a ON a.id = articles_fts.rowid" if where else ""
    sql = (
        "SELECT a.id, a.article_id, a.title, a.category, a.published_at, a.canonical_url, a.body,"
        " -h.rank AS score FROM (SELECT id, rank FROM ("
        " SELECT articles_fts.rowid AS id, bm25(articles_fts, 10.0, 3.0, 1.0) AS rank"
        f" FROM articles_fts{join} WHERE articles_fts MATCH :match{where}"
        " ORDER BY articles_fts.rowid DESC LIMIT coalesce(:candidates, -1))"
        " ORDER BY rank, id LIMIT :limit) AS h"
        " JOIN articles AS a ON a.id = h.id ORDER BY h.rank, a.id"
    )
    return list(connection.execute(text(sql), {**params, "match": fts5_match(query)}))


def rebuild_index(connection: Connection) -> None:
    connection.execute(text("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')"))
