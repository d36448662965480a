"""What the frontier knows of pages from earlier runs, for the incremental middleware: which
URLs are stored articles (with their dates), and the validators and fetch time of every page
fetched before (table ``page_states``).

It is read once, on first use, in two streamed queries, and kept in memory: the middleware
decides every request without a database round trip on the reactor thread. This run's fetches
update it at once and are written back in batches. Kept small because it grows with the site:
URLs by a 16-byte digest, times as POSIX seconds; about 400 bytes a URL (40 MB at 100,000
stored articles, read in about a second).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Self

from sqlalchemy import select

from khabar_crawler.db.database import Database
from khabar_crawler.db.models import Article, ArticleUrl, PageState
from khabar_crawler.db.upsert import upsert

#: rows read at a time by the loading queries
LOAD_CHUNK = 10_000


def _key(url: str) -> bytes:
    return hashlib.blake2b(url.encode(), digest_size=16).digest()


def _seconds(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


def _moment(seconds: float | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds is not None else None


@dataclass(slots=True)
class Known:
    """One known URL: a stored article's dates (``article``) and the page's last fetch."""

    article: bool = False
    published: float | None = None
    modified: float | None = None
    #: the page's last fetch, else when its article was last seen
    last_fetch: float | None = None
    changed: float | None = None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def published_at(self) -> datetime | None:
        return _moment(self.published)

    @property
    def modified_at(self) -> datetime | None:
        return _moment(self.modified)

    @property
    def fetched(self) -> datetime | None:
        return _moment(self.last_fetch)


class PageStates:
    def __init__(self, known: dict[bytes, Known] | None = None, *, track: bool = True) -> None:
        self.known: dict[bytes, Known] = known or {}
        #: whether this run's fetches are kept for its later decisions (a full recrawl makes
        #: none: it only writes them)
        self.track = track
        #: page_states rows of this run not written yet, by URL
        self.pending: dict[str, dict[str, Any]] = {}

    @classmethod
    def load(cls, database: Database) -> Self:
        known: dict[bytes, Known] = {}
        with database.engine.connect() as connection:
            streamed = connection.execution_options(yield_per=LOAD_CHUNK)
            articles = select(
                ArticleUrl.url, Article.published_at, Article.modified_at, Article.last_seen_at
            ).join(Article, ArticleUrl.article_pk == Article.id)
            for url, published, modified, last_seen in streamed.execute(articles):
                known[_key(url)] = Known(True, _seconds(published), _seconds(modified), _seconds(last_seen))
            states = select(
                PageState.url,
                PageState.fetched_at,
                PageState.etag,
                PageState.last_modified,
                PageState.changed_at,
            )
            for url, fetched, etag, last_modified, changed in streamed.execute(states):
                entry = known.setdefault(_key(url), Known())
                entry.last_fetch, entry.changed = _seconds(fetched), _seconds(changed)
                entry.etag, entry.last_modified = etag, last_modified
        return cls(known)

    def get(self, url: str) -> Known | None:
        return self.known.get(_key(url))

    def fetched(
        self, url: str, status: int, now: datetime, etag: str | None = None, modified: str | None = None
    ) -> None:
        """Record a fetch of ``url``: a 200 brings new validators, a 304 keeps the old ones."""
        key = _key(url)
        entry = self.known.get(key)
        if entry is None:
            entry = Known()
            if self.track:
                self.known[key] = entry
        if status == 200 or entry.changed is None:
            entry.changed = now.timestamp()
        if status == 200:
            entry.etag, entry.last_modified = etag, modified
        entry.last_fetch = now.timestamp()
        self.pending[url] = {
            "url": url,
            "etag": entry.etag,
            "last_modified": entry.last_modified,
            "changed_at": _moment(entry.changed),
            "status": status,
            "fetched_at": now,
        }

    def flush(self, database: Database) -> None:
        """Write this run's pending page states (one upsert)."""
        rows, self.pending = list(self.pending.values()), {}
        if not rows:
            return
        with database.engine.begin() as connection:
            upsert(connection, PageState.__table__, rows, key="url")  # type: ignore[arg-type]
