"""Arabic full-text search in the database: SQLite FTS5 or PostgreSQL ``tsvector``.

A query goes through the same normalisation profile as the stored search forms
(:func:`~khabar_crawler.text.normalize.search_form`), so أحمد finds احمد, مدرسة finds مدرسه, tashkeel,
tatweel and bidi marks never matter. Query syntax, kept deliberately small:

- words: every word must occur (AND);
- ``"two words"``: a phrase, when its quotes are balanced (unbalanced quotes are plain text);
- ``word*``: a prefix.

Everything else (FTS operators, SQL, punctuation) is plain text: only word tokens reach the
database, as bound parameters. Ranking: BM25 (SQLite) or ``ts_rank_cd`` (PostgreSQL), title
weighted over summary over body. On both, a query matching more than :data:`RANK_CANDIDATES`
articles is ranked among its RANK_CANDIDATES most recently stored matches (ranking reads each
candidate's index entry or vector, which would make very common words slow); ``rank_all``
ranks every match. On PostgreSQL, phrases are found through an index of adjacent word pairs
(migration 0004). Snippets are cut from the display text, with the matching words marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, text

from khabar_crawler.text.normalize import search_form, words

_PHRASE = re.compile(r'"([^"]*)"')
_TOKEN = re.compile(r"(\w+)(\*?)")
_DISPLAY_WORD = re.compile(r"[\w\u0610-\u061a\u064b-\u065f\u0670\u0640\u200c\u200d]+")


#: PostgreSQL ranks at most this many matches, the most recent ones (see :func:`search`)
RANK_CANDIDATES = 1000


class QueryError(ValueError):
    """A query that cannot be searched (empty once normalised); the message says why."""


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True)
class Query:
    raw: str
    terms: tuple[Term, ...]

    def fts5(self) -> str:
        """The FTS5 MATCH expression: quoted tokens only, so no operator can slip in."""
        parts = []
        for term in self.terms:
            quoted = '"' + " ".join(term.words) + '"'
            parts.append(quoted + ("*" if term.prefix else ""))
        return " ".join(parts)

    @property
    def phrases(self) -> list[str]:
        return [" ".join(term.words) for term in self.terms if term.is_phrase]

    def tsquery(self, *, phrases: bool = True) -> str:
        """The ``to_tsquery('simple', ...)`` expression (tokens are word characters only);
        the search vector weighs title A, summary B, body C. ``phrases=False``: without the
        phrases (empty when the query is phrases only)."""
        parts = []
        for term in self.terms:
            if term.is_phrase and not phrases:
                continue
            if term.is_phrase:
                # one alternative per column weight, so that a phrase never spans two columns
                # (title | summary | body), as FTS5 phrases never do
                per_column = (
                    "(" + " <-> ".join(f"{w}:{weight}" for w in term.words) + ")" for weight in "ABC"
                )
                parts.append("(" + " | ".join(per_column) + ")")
            else:
                parts.append(term.words[0] + (":*" if term.prefix else ""))
        return " & ".join(parts)

    def matches(self, word: str) -> bool:
        """Whether a normalised word of the text is one the query looks for (for snippets)."""
        for term in self.terms:
            for position, token in enumerate(term.words):
                last = position == len(term.words) - 1
                if word == token or (term.prefix and last and word.startswith(token)):
                    return True
        return False


def parse_query(raw: str) -> Query:
    """Normalise and tokenise a user query; raise :class:`QueryError` when nothing is left."""
    normalised = search_form(raw)
    terms: list[Term] = []
    if normalised.count('"') % 2 == 0:
        for phrase in _PHRASE.findall(normalised):
            tokens = tuple(words(phrase))
            if tokens:
                terms.append(Term(tokens))
        normalised = _PHRASE.sub(" ", normalised)
    for token, star in _TOKEN.findall(normalised.replace('"', " ")):
        terms.append(Term((token,), prefix=bool(star)))
    unique = tuple(dict.fromkeys(terms))
    if not unique:
        raise QueryError(f"nothing to search for in {raw!r}: give at least one word")
    return Query(raw, unique)


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
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "url": self.url,
            "score": round(self.score, 6),
            "snippet": self.snippet,
        }


def _filters(category: str | None, since: Any, until: Any) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if category:
        clauses.append("a.category = :category")
        params["category"] = category
    if since:
        clauses.append("a.published_at >= :since")
        params["since"] = since
    if until:
        clauses.append("a.published_at < :until")
        params["until"] = until
    return "".join(f" AND {c}" for c in clauses), params


def _bind_datetime(connection: Connection, value: datetime | None) -> Any:
    """Datetimes as the store wrote them: naive UTC text on SQLite, aware on PostgreSQL."""
    if value is None or connection.dialect.name != "sqlite":
        return value
    from datetime import UTC

    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def search(
    connection: Connection,
    raw: str,
    *,
    category: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 10,
    marks: tuple[str, str] = ("<mark>", "</mark>"),
    snippets: bool = True,
    rank_all: bool = False,
) -> list[Hit]:
    """Ranked hits for ``raw``, best first (``snippets=False``: without snippets).

    A query matching more than :data:`RANK_CANDIDATES` articles is ranked among its
    RANK_CANDIDATES most recently stored matches (``rank_all``: among all of them, which
    reads every match's index entry and is slow for very common words)."""
    query = parse_query(raw)
    where, params = _filters(category, _bind_datetime(connection, since), _bind_datetime(connection, until))
    params["limit"] = max(1, limit)
    params["candidates"] = None if rank_all else max(params["limit"], RANK_CANDIDATES)
    if connection.dialect.name == "sqlite":
        rows = _sqlite_rows(connection, query, where, params)
    else:
        rows = _postgres_rows(connection, query, where, params)
    hits = []
    for row in rows:
        published = row.published_at
        if isinstance(published, str):  # raw SQL on SQLite returns the stored text
            published = datetime.fromisoformat(published + "+00:00")
        hits.append(
            Hit(
                row.id,
                row.article_id,
                row.title,
                row.category,
                published,
                row.canonical_url,
                float(row.score),
                snippet(row.body, query, marks=marks) if snippets else "",
            )
        )
    return hits


def _sqlite_rows(connection: Connection, query: Query, where: str, params: dict[str, Any]) -> list[Row[Any]]:
    # FTS5 walks the matches newest first and stops at the candidates, which it ranks; then
    # the few articles shown are read (bodies are large)
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
    params["match"] = query.fts5()
    return list(connection.execute(text(sql), params))


def _postgres_rows(
    connection: Connection, query: Query, where: str, params: dict[str, Any]
) -> list[Row[Any]]:
    # The candidates (the newest matches) come from the GIN indexes (phrases by their word
    # pairs), narrowed to the newest ids likely to hold them (see _id_floor); ranking reads
    # each candidate's tsvector; then the articles shown are read. The planner counts testing
    # a row's (compressed) tsvector as nearly free, which it is not (5-15 us): left alone, it
    # walks or scans the table where the index is cheaper. Settings that a savepoint scopes to
    # this query keep it on the indexes.
    with connection.begin_nested() as scope:
        # plans depend on how common the words are: never reuse one made for other words
        # (psycopg prepares a statement run 5 times; PostgreSQL then goes generic)
        connection.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        match = _postgres_match(connection, query, params)
        params["floor"] = _id_floor(connection, match + where, params)
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        connection.execute(text("SET LOCAL enable_indexscan = off"))
        sql = (
            "SELECT a.id, a.article_id, a.title, a.category, a.published_at, a.canonical_url, a.body,"
            " h.score, h.found FROM (SELECT m.id, m.found,"
            " ts_rank_cd(m.search_vector, to_tsquery('simple', :tsquery)) AS score FROM ("
            " SELECT a.id, a.search_vector, count(*) OVER () AS found FROM articles AS a"
            f" WHERE {match}{where} AND a.id > coalesce(:floor, 0)"
            " ORDER BY a.id DESC LIMIT :candidates) AS m"
            " ORDER BY score DESC, m.id LIMIT :limit) AS h"
            " JOIN articles AS a ON a.id = h.id ORDER BY h.score DESC, a.id"
        )
        rows = list(connection.execute(text(sql), params))
        if params["floor"] is not None and (not rows or rows[0].found < params["candidates"]):
            params["floor"] = None  # fewer matches among the newest ids than estimated
            rows = list(connection.execute(text(sql), params))
        scope.rollback()  # read only: undoes the settings
    return rows


_PHRASE_PAIRS = text(
    "SELECT khabar_phrase_pairs(v) AS pairs,"
    " (SELECT count(*) FROM unnest(v) AS u, unnest(u.positions) AS p) AS positions"
    " FROM unnest(CAST(:phrases AS text[])) AS phrase, to_tsvector('simple', phrase) AS v"
)


#: look for the candidates among this many times the newest ids expected to hold them
WINDOW_MARGIN = 1.5


def _id_floor(connection: Connection, condition: str, params: dict[str, Any]) -> int | None:
    """The id above which the newest ``candidates`` matches are expected, or None (all ids).

    Fetching every match of a common word from the table costs ~5 us a match (100 ms for
    20,000); the newest candidates lie, if matches spread evenly over the ids, above
    ``max(id) - candidates x max(id) / matches``, and an id range from the primary key
    combined with the GIN index fetches only those. The number of matches is the planner's
    estimate (column statistics of the GIN-indexed columns, no query run); where it is too
    high and the range holds too few matches, the query runs again without it."""
    if params["candidates"] is None:
        return None
    plan = connection.execute(
        text(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM articles AS a WHERE {condition}"), params
    ).scalar_one()
    matches = float(plan[0]["Plan"]["Plan Rows"])
    top = connection.scalar(text("SELECT max(id) FROM articles"))
    if not top or matches <= 0:
        return None
    floor = top - int(WINDOW_MARGIN * params["candidates"] * top / matches)
    return floor if floor > 0 else None


def _postgres_match(connection: Connection, query: Query, params: dict[str, Any]) -> str:
    """The WHERE condition of a query on PostgreSQL; its parameters, and the ``tsquery`` that
    ranks the matches, go into ``params``.

    A GIN index over a tsvector keeps no positions: a phrase alone would re-check every row
    holding its words. Each phrase is tokenised by PostgreSQL itself (as the stored columns
    are) and cut into its adjacent pairs; the rows holding all pairs come from the
    ``search_pairs`` index. A phrase of two tokens is one pair, exactly: no re-check. A
    longer one is re-checked by the tsvector phrase, on those rows only."""
    params["tsquery"] = full = query.tsquery()
    phrases = query.phrases
    if not phrases:
        params["match"] = full
        return "a.search_vector @@ to_tsquery('simple', :match)"
    pairs: list[str] = []
    exact = True
    for row in connection.execute(_PHRASE_PAIRS, {"phrases": phrases}):
        pairs.extend(row.pairs)
        exact = exact and row.positions == 2
    params["pairs"] = sorted(set(pairs))
    condition = "a.search_pairs @> CAST(:pairs AS text[])"
    rest = query.tsquery(phrases=False) if exact else full
    if rest:
        condition += " AND a.search_vector @@ to_tsquery('simple', :match)"
        params["match"] = rest
    return condition


def snippet(
    body: str, query: Query, *, width: int = 12, marks: tuple[str, str] = ("<mark>", "</mark>")
) -> str:
    """A window of the display text around the first matching word, matches marked."""
    spans = [(m.start(), m.end(), search_form(m.group(0))) for m in _DISPLAY_WORD.finditer(body)]
    if not spans:
        return ""
    hits = [i for i, (_, _, word) in enumerate(spans) if query.matches(word)]
    first = hits[0] if hits else 0
    start, end = max(0, first - width), min(len(spans), first + width + 1)
    out, cursor = [], 0 if start == 0 else spans[start][0]
    for i in range(start, end):
        begin, finish, _ = spans[i]
        out.append(body[cursor:begin])
        piece = body[begin:finish]
        out.append(f"{marks[0]}{piece}{marks[1]}" if i in hits else piece)
        cursor = finish
    if end == len(spans):
        out.append(body[cursor:])
    text_ = " ".join("".join(out).split())
    return ("… " if start > 0 else "") + text_.strip() + (" …" if end < len(spans) else "")


def rebuild_index(connection: Connection) -> None:
    """Rebuild the full-text index from the stored search forms."""
    if connection.dialect.name == "sqlite":
        connection.execute(text("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')"))
    else:
        connection.execute(text("REINDEX INDEX ix_articles_search_vector"))
        connection.execute(text("REINDEX INDEX ix_articles_search_pairs"))
