"""What the pages read, with the project's own code (no Datasette): the search of
``khabar search``, an article with its versions, the daily counts per category, and the
values the search form offers. Each function opens a read-only connection (SQLite
``query_only``) on the SQLite file Datasette serves.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from khabar_crawler.db.engine import create_db_engine
from khabar_crawler.query.reports import find_article
from khabar_crawler.query.search import Hit, search

#: where a snippet's match begins and ends (control characters no stored text holds): the
#: page escapes the snippet, then turns these into ``<mark>``
MARKS = ("\x02", "\x03")


def _query_only(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA query_only = ON")


@cache
def engine(path: str) -> Engine:
    """The engine of the SQLite file at ``path``; its connections refuse writes."""
    created = create_db_engine(f"sqlite:///{path}")
    event.listen(created, "connect", _query_only)
    return created


@dataclass(frozen=True)
class SearchRequest:
    """A search as the page's form gives it (checked: dates parsed, limit in range)."""

    query: str
    category: str | None = None
    tag: str | None = None
    author: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 20


def find(path: str, request: SearchRequest) -> list[Hit]:
    """The hits of ``khabar search`` for the request (raises ``QueryError`` for a bad query)."""
    with engine(path).connect() as connection:
        return search(
            connection,
            request.query,
            category=request.category,
            since=request.since,
            until=request.until,
            limit=request.limit,
            marks=MARKS,
            tag=request.tag,
            author=request.author,
        )


@dataclass(frozen=True)
class Section:
    heading: str | None
    paragraphs: list[str]


@dataclass(frozen=True)
class Version:
    version: int
    recorded_at: datetime
    modified_at: datetime | None
    fetched_at: datetime | None
    title: str
    summary: str | None
    content_hash: str


@dataclass(frozen=True)
class ArticlePage:
    """The display text of an article and its versions, oldest first."""

    id: int
    article_id: str | None
    url: str
    title: str
    summary: str | None
    category: str | None
    tags: list[str]
    authors: list[str]
    published_at: datetime | None
    modified_at: datetime | None
    gone_at: datetime | None
    sections: list[Section]
    versions: list[Version]


def _sections(sections: Any, body: str) -> list[Section]:
    """The body as headed sections when the crawl recorded them, else its paragraphs."""
    if isinstance(sections, list) and sections and all(isinstance(s, dict) for s in sections):
        return [
            Section(s.get("heading") or None, [str(p) for p in s.get("paragraphs") or []]) for s in sections
        ]
    return [Section(None, [p.strip() for p in body.split("\n") if p.strip()])]


def article(path: str, pk: int) -> ArticlePage | None:
    """The article of database id ``pk``, or None."""
    with Session(engine(path)) as session:
        found = find_article(session, f"#{pk}")
        if found is None:
            return None
        return ArticlePage(
            id=found.id,
            article_id=found.article_id,
            url=found.canonical_url,
            title=found.title,
            summary=found.summary,
            category=found.category,
            tags=[t.tag.name for t in found.tags],
            authors=[str(a) for a in found.authors or []],
            published_at=found.published_at,
            modified_at=found.modified_at,
            gone_at=found.gone_at,
            sections=_sections(found.sections, found.body),
            versions=[
                Version(
                    v.version, v.recorded_at, v.modified_at, v.fetched_at, v.title, v.summary, v.content_hash
                )
                for v in sorted(found.versions, key=lambda v: v.version)
            ],
        )


def daily_counts(path: str, since: str | None = None, until: str | None = None) -> list[tuple[str, str, int]]:
    """``(day, category, articles)`` from the ``daily_category_counts`` view, by day
    (``since``/``until``: ``YYYY-MM-DD``, until excluded)."""
    sql = "SELECT day, category, articles FROM daily_category_counts WHERE 1 = 1"
    params: dict[str, str] = {}
    if since:
        sql += " AND day >= :since"
        params["since"] = since
    if until:
        sql += " AND day < :until"
        params["until"] = until
    with engine(path).connect() as connection:
        rows = connection.execute(text(sql + " ORDER BY day, category"), params)
        return [(str(day), str(category), int(count)) for day, category, count in rows]


@dataclass(frozen=True)
class Choices:
    """What the search form offers: the categories, and the most used tags and authors."""

    categories: list[str]
    tags: list[str]
    authors: list[str]


def choices(path: str, most: int = 200) -> Choices:
    with engine(path).connect() as connection:
        categories = connection.scalars(
            text("SELECT DISTINCT category FROM articles WHERE category IS NOT NULL ORDER BY category")
        )
        tags = connection.scalars(
            text(
                "SELECT t.name FROM article_tags AS at JOIN tags AS t ON t.id = at.tag_id"
                " GROUP BY t.name ORDER BY COUNT(*) DESC, t.name LIMIT :most"
            ),
            {"most": most},
        )
        authors = connection.scalars(
            text(
                "SELECT j.value FROM articles AS a, json_each(a.authors) AS j"
                " GROUP BY j.value ORDER BY COUNT(*) DESC, j.value LIMIT :most"
            ),
            {"most": most},
        )
        return Choices(list(categories), list(tags), [str(a) for a in authors])
