"""The revisit policy: recent articles are revisited more often than old ones; and its query,
the stored articles that are due (fed to the spider's ``start()`` as the frontier drains).

``KHABAR_REVISIT_INTERVALS`` is a list of ``[max_age_days, hours]`` pairs, youngest first; the
last pair's age may be null (any age). An article is due when the time since it was last
fetched reaches the interval of its age (age from its publication time).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy.crawler import Crawler
from sqlalchemy import func, select

from khabar_crawler.db.database import Database, get_database
from khabar_crawler.db.models import Article, PageState

DEFAULT_INTERVALS: tuple[tuple[float | None, float], ...] = ((1, 1), (7, 6), (30, 24), (None, 168))


@dataclass(frozen=True)
class RevisitPolicy:
    intervals: tuple[tuple[float | None, float], ...] = DEFAULT_INTERVALS

    @classmethod
    def from_setting(cls, value: Any) -> RevisitPolicy:
        """From the setting's value: a list of pairs, or that list as JSON (``-s`` gives text)."""
        if isinstance(value, str):
            value = json.loads(value)
        if not value:
            return cls()
        pairs = tuple((None if age is None else float(age), float(hours)) for age, hours in value)
        if not pairs or pairs[-1][0] is not None:
            pairs = (*pairs, (None, pairs[-1][1] if pairs else DEFAULT_INTERVALS[-1][1]))
        return cls(pairs)

    def interval(self, published_at: datetime | None, now: datetime) -> timedelta:
        age_days = (now - published_at).total_seconds() / 86400 if published_at else None
        for max_age, hours in self.intervals:
            if max_age is None or (age_days is not None and age_days <= max_age):
                return timedelta(hours=hours)
        return timedelta(hours=self.intervals[-1][1])

    def is_due(self, published_at: datetime | None, fetched_at: datetime | None, now: datetime) -> bool:
        if fetched_at is None:
            return True
        return now - fetched_at >= self.interval(published_at, now)

    def due_before(self, now: datetime) -> datetime:
        """Fetched before this instant, an article of any age may be due (for DB queries)."""
        shortest = min(hours for _, hours in self.intervals)
        return now - timedelta(hours=shortest)


#: stored articles read per query when listing the revisits that are due
REVISIT_PAGE = 1000


def due_revisits(
    database: Database, policy: RevisitPolicy, now: datetime, page: int = REVISIT_PAGE
) -> Iterator[str]:
    """The canonical URLs of the stored articles that ``policy`` says are due at ``now``, by
    article id, ``page`` at a time (keyset pages: no cursor is held open across the crawl, and
    only one page is in memory)."""
    query = (
        select(
            Article.id,
            Article.canonical_url,
            Article.published_at,
            Article.last_seen_at,
            PageState.fetched_at,
        )
        .outerjoin(PageState, PageState.url == Article.canonical_url)
        .where(func.coalesce(PageState.fetched_at, Article.last_seen_at) < policy.due_before(now))
        .order_by(Article.id)
        .limit(page)
    )
    after = 0
    while True:
        with database.sessions() as session:
            rows = session.execute(query.where(Article.id > after)).all()
        for pk, url, published, last_seen, fetched in rows:
            after = pk
            if policy.is_due(published, fetched or last_seen, now):
                yield url
        if len(rows) < page:
            return


def crawl_revisits(crawler: Crawler) -> Iterator[str]:
    """The stored articles due for a revisit in this crawl: none in replays, full recrawls,
    runs that are not incremental or store nothing (no item pipelines)."""
    settings = crawler.settings
    if settings.get("KHABAR_REPLAY_DIR") or settings.getbool("KHABAR_FULL_RECRAWL"):
        return
    if not settings.getbool("KHABAR_INCREMENTAL", True) or not settings.get("ITEM_PIPELINES"):
        return
    policy = RevisitPolicy.from_setting(settings.get("KHABAR_REVISIT_INTERVALS"))
    yield from due_revisits(get_database(crawler), policy, datetime.now(UTC))
