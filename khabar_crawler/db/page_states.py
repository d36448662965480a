"""What the frontier knows of pages from earlier runs, for the incremental middleware: which
URLs are stored articles (with their dates), and the validators and fetch time of every page
fetched before (table ``page_states``).

A page state is only as good as the outcome it stands for. A page that gave an item has its
state written with the item, in the store's transaction (:mod:`khabar_crawler.db.writes`); a
page that gave none (home, listings, feeds, sitemaps) once its links were handed to the
scheduler, whose queue a killed or failed run loses. So a page's validators are trusted only
when the page is a stored article, or when the last run ended cleanly
(:func:`pages_trusted`): after a run that was killed, failed, interrupted or gave up on pages,
every page without a stored article is fetched in full again, and its links with it, until
a run has caught up.

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

from sqlalchemy import Connection, select, update

from khabar_crawler.db.database import Database
from khabar_crawler.db.models import Article, ArticleUrl, CrawlRun, PageState
from khabar_crawler.db.upsert import upsert

#: rows read at a time by the loading queries
LOAD_CHUNK = 10_000
#: a ``page_states`` row to write (the table's columns)
PageStateRow = dict[str, Any]
#: stats of a finished run that say it gave up on pages whose links may never have been read
UNRESOLVED_STATS = ("retry/max_reached", "spider_exceptions/count", "khabar/store/spooled")


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
    #: the article URLs the page listed when last read in full (sitemaps and the feed)
    listed: int | None = None

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

    @classmethod
    def load(cls, database: Database, run_id: int | None = None) -> Self:
        """What is stored; the validators of pages without a stored article only when the
        last run before ``run_id`` (this one) ended cleanly (:func:`pages_trusted`)."""
        known: dict[bytes, Known] = {}
        with database.engine.connect() as connection:
            trusted = pages_trusted(connection, run_id)
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
                PageState.listed,
            )
            for url, fetched, etag, last_modified, changed, listed in streamed.execute(states):
                entry = known.setdefault(_key(url), Known())
                entry.last_fetch, entry.changed, entry.listed = _seconds(fetched), _seconds(changed), listed
                if trusted or entry.article:
                    entry.etag, entry.last_modified = etag, last_modified
        return cls(known)

    def get(self, url: str) -> Known | None:
        return self.known.get(_key(url))

    def fetched(
        self, url: str, status: int, now: datetime, etag: str | None = None, modified: str | None = None
    ) -> PageStateRow:
        """Note a fetch of ``url`` (a 200 brings new validators, a 304 keeps the old ones);
        the ``page_states`` row to write once the page's outcome is safe."""
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
        return {
            "url": url,
            "etag": entry.etag,
            "last_modified": entry.last_modified,
            "changed_at": _moment(entry.changed),
            "status": status,
            "fetched_at": now,
            # a 304 keeps what the page listed; a 200's count is set once it is read
            "listed": entry.listed if status == 304 else None,
        }


def write_page_states(connection: Connection, rows: list[PageStateRow]) -> None:
    """Upsert ``rows`` (the last row of a URL wins), in the caller's transaction."""
    latest = {row["url"]: row for row in rows}
    upsert(connection, PageState.__table__, list(latest.values()), key="url")  # type: ignore[arg-type]


def mark_gone(connection: Connection, urls: list[str], run_id: int | None, now: datetime) -> int:
    """Mark gone the stored articles with one of ``urls`` (their pages answered 404 or 410),
    unless already marked; how many were marked."""
    pages = select(ArticleUrl.article_pk).where(ArticleUrl.url.in_(urls))
    marked = connection.execute(
        update(Article)
        .where(Article.id.in_(pages), Article.gone_at.is_(None))
        .values(gone_at=now, gone_run_id=run_id)
    )
    return int(marked.rowcount or 0)


def pages_trusted(connection: Connection, run_id: int | None = None) -> bool:
    """Whether the last crawl before ``run_id`` that fetched live (replays keep no page states)
    ended cleanly: ``finished``, with no page given up after retries, no callback that failed
    and nothing left in the spool. The first crawl of a database trusts nothing it has not
    got (there is nothing)."""
    runs = select(CrawlRun.id, CrawlRun.status, CrawlRun.arguments, CrawlRun.stats).order_by(
        CrawlRun.id.desc()
    )
    for row_id, status, arguments, stats in connection.execute(runs.limit(50)):
        if row_id == run_id or "replay" in (arguments or {}):
            continue
        return status == "finished" and not any((stats or {}).get(key) for key in UNRESOLVED_STATS)
    return True
