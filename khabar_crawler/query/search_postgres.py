"""The PostgreSQL back end of search: the ``search_vector`` tsvector and its GIN index, and,
for phrases, the ``search_pairs`` index of adjacent word pairs (migration 0004).

The matches are ranked as on SQLite (:func:`khabar_crawler.query.search_rank.ranked_sql`).
Datetimes are bound and read as they are (``timestamptz``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, text

from khabar_crawler.query.search_query import AnyOf, Node, Not, Query, Term
from khabar_crawler.query.search_rank import ranked_sql


def tsquery(query: Query | Node) -> str:
    """The ``to_tsquery('simple', ...)`` expression of a query or a part of one (tokens are
    word characters only)."""
    return _expression(query.root if isinstance(query, Query) else query, top=True)


def _expression(node: Node, *, top: bool = False) -> str:
    if isinstance(node, Term):
        if node.is_phrase:
            # one alternative per column weight, so that a phrase never spans two columns
            # (title | summary | body), as FTS5 phrases never do; as written or as stems
            per_column = (
                "(" + " <-> ".join(f"{w}:{weight}" for w in forms) + ")"
                for forms in (node.words, node.stems)
                for weight in "ABC"
            )
            return "(" + " | ".join(per_column) + ")"
        star = ":*" if node.prefix else ""
        return f"({node.words[0]}{star} | {node.stems[0]}{star})"
    if isinstance(node, Not):
        return "!" + _expression(node.node)
    joiner = " | " if isinstance(node, AnyOf) else " & "
    expression = joiner.join(_expression(part) for part in node.nodes)
    return expression if top else f"({expression})"


#: the length of a text in bytes, UTF-8 as on SQLite (the database's encoding: UTF8)
OCTETS = "octet_length({})"

#: where a text first occurs in another (0: not at all)
POSITION = "strpos({}, {})"

#: the distinct author names of the stored articles
AUTHOR_NAMES = "SELECT DISTINCT j.value FROM articles AS a, json_array_elements_text(a.authors) AS j(value)"


def has_author(names: str) -> str:
    """Whether the article ``a`` has an author ``names`` accepts (a condition on ``j.value``)."""
    return f"EXISTS (SELECT 1 FROM json_array_elements_text(a.authors) AS j(value) WHERE {names})"


def bind_datetime(value: datetime) -> datetime:
    return value


def read_datetime(value: datetime | None) -> datetime | None:
    return value


def ranked_rows(connection: Connection, query: Query, where: str, params: dict[str, Any]) -> list[Row[Any]]:
    """The hits' rows, best first: ``where`` narrows the matches (``a.`` is the article),
    ``params`` binds it and holds ``limit`` and ``candidates`` (None: rank every match).

    The candidates (the newest matches) come from the GIN indexes (phrases by their word
    pairs), narrowed to the newest ids likely to hold them (see :func:`_id_floor`); their ids
    are read first (so that a narrowing that missed is retried before anything is ranked);
    ranking reads each candidate's search forms; then the articles shown are read. The
    planner counts testing a row's (compressed) tsvector as nearly free, which it is not
    (5-15 us): left alone, it walks or scans the table where the index is cheaper. Settings that a savepoint
    scopes to this query keep it on the indexes."""
    params = dict(params)
    with connection.begin_nested() as scope:
        # plans depend on how common the words are: never reuse one made for other words
        # (psycopg prepares a statement run 5 times; PostgreSQL then goes generic)
        connection.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        match = _match(connection, query, params)
        params["floor"], top = _id_floor(connection, match + where, params)
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        connection.execute(text("SET LOCAL enable_indexscan = off"))
        newest = text(
            "SELECT a.id, count(*) OVER () AS found FROM articles AS a"
            f" WHERE {match}{where} AND a.id > coalesce(:floor, 0) ORDER BY a.id DESC LIMIT :candidates"
        )
        ids = list(connection.execute(newest, params))
        while params["floor"] is not None and (found := ids[0].found if ids else 0) < params["candidates"]:
            # fewer matches among the newest ids than estimated: a wider range
            params["floor"] = _wider(params["floor"], top, found, params["candidates"])
            ids = list(connection.execute(newest, params))
        params["ids"] = [row.id for row in ids]
        candidates = "SELECT unnest(CAST(:ids AS bigint[])) AS id"
        sql = ranked_sql(candidates, query, params, octets=OCTETS, position=POSITION)
        rows = list(connection.execute(text(sql), params)) if ids else []
        scope.rollback()  # read only: undoes the settings
    return rows


def rebuild_index(connection: Connection) -> None:
    connection.execute(text("REINDEX INDEX ix_articles_search_vector"))
    connection.execute(text("REINDEX INDEX ix_articles_search_pairs"))


_PHRASE_PAIRS = text(
    "SELECT khabar_phrase_pairs(v) AS pairs,"
    " (SELECT count(*) FROM unnest(v) AS u, unnest(u.positions) AS p) AS positions"
    " FROM unnest(CAST(:phrases AS text[])) AS phrase, to_tsvector('simple', phrase) AS v"
)


#: look for the candidates among this many times the newest ids expected to hold them
WINDOW_MARGIN = 1.5


def _id_floor(connection: Connection, condition: str, params: dict[str, Any]) -> tuple[int | None, int]:
    """The id above which the newest ``candidates`` matches are expected, or None (all ids),
    and the highest id.

    Fetching every match of a common word from the table costs ~5 us a match (100 ms for
    20,000); the newest candidates lie, if matches spread evenly over the ids, above
    ``max(id) - candidates x max(id) / matches``, and an id range from the primary key
    combined with the GIN index fetches only those. The number of matches is the planner's
    estimate (column statistics of the GIN-indexed columns, no query run); where it is too
    high and the range holds too few matches, the range is widened (:func:`_wider`)."""
    if params["candidates"] is None:
        return None, 0
    plan = connection.execute(
        text(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM articles AS a WHERE {condition}"), params
    ).scalar_one()
    matches = float(plan[0]["Plan"]["Plan Rows"])
    top = connection.scalar(text("SELECT max(id) FROM articles")) or 0
    if not top or matches <= 0:
        return None, top
    floor = top - int(WINDOW_MARGIN * params["candidates"] * top / matches)
    return (floor if floor > 0 else None), top


def _wider(floor: int, top: int, found: int, wanted: int) -> int | None:
    """A lower floor, after ``found`` of the ``wanted`` matches were above ``floor``: the
    window grown by what the matches' density there says is missing (four times when none
    was found), with the same margin; None once it reaches the first id."""
    window = top - floor
    grown = window * 4 if found == 0 else int(window * WINDOW_MARGIN * wanted / found) + 1
    lower = top - max(grown, window + 1)
    return lower if lower > 0 else None


def _match(connection: Connection, query: Query, params: dict[str, Any]) -> str:
    """The WHERE condition of a query; its parameters go into ``params``.

    A GIN index over a tsvector keeps no positions: a phrase alone would re-check every row
    holding its words. Each phrase every hit must hold is tokenised by PostgreSQL itself (as
    the stored columns are) and cut into its adjacent pairs; the rows holding all pairs come
    from the ``search_pairs`` index. A phrase of two tokens is one pair, exactly: no
    re-check. A longer one is re-checked by the tsvector phrase, on those rows only. Phrases
    under OR or NOT are left to the tsvector."""
    full = tsquery(query)
    phrases = tuple(term for term in query.required if term.is_phrase)
    if not phrases:
        params["match"] = full
        return "a.search_vector @@ to_tsquery('simple', :match)"
    pairs: list[str] = []
    exact = True
    stems = [" ".join(term.stems) for term in phrases]
    for row in connection.execute(_PHRASE_PAIRS, {"phrases": stems}):
        pairs.extend(row.pairs)
        exact = exact and row.positions == 2
    params["pairs"] = sorted(set(pairs))
    condition = "a.search_pairs @> CAST(:pairs AS text[])"
    rest = query.without(phrases) if exact else query.root
    if rest is not None:
        condition += " AND a.search_vector @@ to_tsquery('simple', :match)"
        params["match"] = tsquery(rest)
    return condition
