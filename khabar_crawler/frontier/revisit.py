"""The revisit policy: recent articles are revisited more often than old ones.

``KHABAR_REVISIT_INTERVALS`` is a list of ``[max_age_days, hours]`` pairs, youngest first; the
last pair's age may be null (any age). An article is due when the time since it was last
fetched reaches the interval of its age (age from its publication time).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

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
