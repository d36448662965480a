"""Arabic full-text search in the database: SQLite FTS5 or PostgreSQL ``tsvector``.

A query goes through the same normalisation profile as the stored search forms
(:func:`~khabar_crawler.textnorm.search_form`), so أحمد finds احمد, مدرسة finds مدرسه, tashkeel,
tatweel and bidi marks never matter. Query syntax, kept deliberately small:

- words: every word must occur (AND);
- ``"two words"``: a phrase, when its quotes are balanced (unbalanced quotes are plain text);
- ``word*``: a prefix.

Everything else (FTS operators, SQL, punctuation) is plain text: only word tokens reach the
database, as bound parameters. Ranking: BM25 (SQLite) or ``ts_rank_cd`` (PostgreSQL), title
weighted over summary over body; on PostgreSQL, a query matching more than
:data:`RANK_CANDIDATES` articles is ranked among its most recent matches (ranking reads each
candidate's vector, which would make very common words slow). Snippets are cut from the display
text, with the matching words marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from khabar_crawler.textnorm import search_form, words

_PHRASE = re.compile(r'"([^"]*)"')
_TOKEN = re.compile(r"(\w+)(\*?)")
_DISPLAY_WORD = re.compile(r"[\w\u0610-\u061a\u064b-\u065f\u0670\u0640\u200c\u200d]+")


#: PostgreSQL ranks at most this many matches, the most recent ones (see :func:`search`)
RANK_CANDIDATES = 2000


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

    def tsquery(self) -> str:
        """The ``to_tsquery('simple', ...)`` expression (tokens are word characters only);
        the search vector weighs title A, summary B, body C."""
        parts = []
        for term in self.terms:
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
) -> list[Hit]:
    """Ranked hits for ``raw``, best first (``snippets=False``: without snippets)."""
    query = parse_query(raw)
    where, params = _filters(category, _bind_datetime(connection, since), _bind_datetime(connection, until))
    params["limit"] = max(1, limit)
    if connection.dialect.name == "sqlite":
        # rank in the FTS index first, then read the few articles shown (bodies are large)
        join = " JOIN articles AS a ON a.id = articles_fts.rowid" if where else ""
        sql = (
            "SELECT a.id, a.article_id, a.title, a.category, a.published_at, a.canonical_url, a.body,"
            " -h.rank AS score FROM ("
            " SELECT articles_fts.rowid AS id, bm25(articles_fts, 10.0, 3.0, 1.0) AS rank"
            f" FROM articles_fts{join} WHERE articles_fts MATCH :match{where}"
            " ORDER BY rank LIMIT :limit) AS h"
            " JOIN articles AS a ON a.id = h.id ORDER BY h.rank, a.id"
        )
        params["match"] = query.fts5()
    else:
        # ranking reads every candidate's tsvector: rank the RANK_CANDIDATES most recent
        # matches (all of them unless a query matches more), then read the articles shown
        sql = (
            "SELECT a.id, a.article_id, a.title, a.category, a.published_at, a.canonical_url, a.body, h.score"
            " FROM (SELECT m.id, ts_rank_cd(m.search_vector, to_tsquery('simple', :tsquery)) AS score FROM ("
            " SELECT a.id, a.search_vector FROM articles AS a"
            f" WHERE a.search_vector @@ to_tsquery('simple', :tsquery){where}"
            " ORDER BY a.published_at DESC NULLS LAST LIMIT :candidates) AS m"
            " ORDER BY score DESC, m.id LIMIT :limit) AS h"
            " JOIN articles AS a ON a.id = h.id ORDER BY h.score DESC, a.id"
        )
        params["tsquery"] = query.tsquery()
        params["candidates"] = max(params["limit"], RANK_CANDIDATES)
    hits = []
    for row in connection.execute(text(sql), params):
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
