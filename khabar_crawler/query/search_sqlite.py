"""The SQLite back end of search: the FTS5 table ``articles_fts`` over the search forms.

FTS5 walks the matches newest first and stops at the candidates, which are ranked as on
PostgreSQL (:func:`khabar_crawler.query.search.ranked_sql`); then the few articles shown are
read (bodies are large). Datetimes are bound and read as the store writes them: naive UTC text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, text

from khabar_crawler.query.search_query import AnyOf, Node, Not, Query, Term
from khabar_crawler.query.search_rank import ranked_sql


def fts5_match(query: Query) -> str:
    """The FTS5 MATCH expression: quoted tokens only, so no operator of the user's can slip
    in. Each term is its words as written OR its marked stems (profile ar-v2), so that the
    form as written matches twice; FTS5's NOT is binary: ``(must) NOT (must not)``."""
    return _expression(query.root, top=True)


def _expression(node: Node, *, top: bool = False) -> str:
    if isinstance(node, Term):
        star = "*" if node.prefix else ""
        return f'("{" ".join(node.words)}"{star} OR "{" ".join(node.stems)}"{star})'
    if isinstance(node, AnyOf):
        return "(" + " OR ".join(_expression(part) for part in node.nodes) + ")"
    if isinstance(node, Not):  # only ever inside All, which handles it
        raise ValueError("a negation outside a conjunction")
    must = [_expression(part) for part in node.nodes if not isinstance(part, Not)]
    expression = " AND ".join(must)
    negated = [_expression(part.node) for part in node.nodes if isinstance(part, Not)]
    if negated:
        expression = " NOT ".join([f"({expression})" if len(must) > 1 else expression, *negated])
    return expression if top else f"({expression})"


#: the length of a text in bytes (SQLite before 3.43 has no ``octet_length``)
OCTETS = "length(CAST({} AS BLOB))"

#: where a text first occurs in another (0: not at all)
POSITION = "instr({}, {})"

#: the distinct author names of the stored articles
AUTHOR_NAMES = "SELECT DISTINCT j.value FROM articles AS a, json_each(a.authors) AS j"


def has_author(names: str) -> str:
    """Whether the article ``a`` has an author ``names`` accepts (a condition on ``j.value``)."""
    return f"EXISTS (SELECT 1 FROM json_each(a.authors) AS j WHERE {names})"


def bind_datetime(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def read_datetime(value: str | None) -> datetime | None:
    """A stored datetime as raw SQL returns it on SQLite (the stored text)."""
    return None if value is None else datetime.fromisoformat(value + "+00:00")


def ranked_rows(connection: Connection, query: Query, where: str, params: dict[str, Any]) -> list[Row[Any]]:
    """The hits' rows, best first: ``where`` narrows the matches (``a.`` is the article),
    ``params`` binds it and holds ``limit`` and ``candidates`` (None: rank every match)."""
    join = " JOIN articles AS a ON a.id = articles_fts.rowid" if where else ""
    candidates = (
        f"SELECT articles_fts.rowid AS id FROM articles_fts{join} WHERE articles_fts MATCH :match{where}"
        " ORDER BY articles_fts.rowid DESC LIMIT coalesce(:candidates, -1)"
    )
    params = {**params, "match": fts5_match(query)}
    sql = ranked_sql(candidates, query, params, octets=OCTETS, position=POSITION)
    return list(connection.execute(text(sql), params))


def rebuild_index(connection: Connection) -> None:
    connection.execute(text("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')"))
