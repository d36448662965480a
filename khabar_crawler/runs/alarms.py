"""Alarms for silent breakage, checked when the spider closes.

- **coverage floors** (``KHABAR_COVERAGE_FLOORS``, e.g. ``{"published_at": 0.95}``): the share
  of extracted items that have the field, once at least ``KHABAR_COVERAGE_MIN_ITEMS`` items
  were extracted; a breach means the site's markup changed under the extractor;
- **site profile share** (``KHABAR_SITE_PROFILE_MIN_SHARE``; 0 or None switches it off): the
  share of extracted items whose body the site's own profile rules read (stats
  ``khabar/extract/layer/body/site`` over ``khabar/coverage/items``), once at least
  ``KHABAR_COVERAGE_MIN_ITEMS`` items were extracted (and the spider recorded layers); a
  breach means the site's theme changed and the fallback layers (generic reading, structured
  data) carried the run;
- **items drop** (``KHABAR_ITEMS_DROP_RATIO``): the site's sitemaps and feed list fewer
  article URLs than that share of the median of the last ``KHABAR_ITEMS_DROP_WINDOW``
  comparable runs (when that median is at least ``KHABAR_ITEMS_DROP_MIN``). The quantity is
  what the site lists, not what the run extracted, which an incremental run keeps small: the
  URLs of the sitemaps and feed read in full (``khabar/discovery/sitemap/urls``,
  ``khabar/discovery/feed/urls``) plus those of the ones that answered 304, as they listed
  them when last read (``khabar/discovery/listed_unchanged``); recorded as
  ``khabar/discovery/listed``. Comparable runs: closed (finished or failed) runs of the same
  arguments (Scrapyd's ``_job`` aside: a replay compares with replays of the same snapshot,
  a full recrawl with full recrawls) that listed anything; failed runs count, so that a
  lasting change of the site alarms a few runs and then becomes the norm;
- **nothing fetched**: a finished run that sent requests and received no response at all (the
  site unreachable, every connection refused) is a failed run, never a finished one (a worker
  of a shared Redis frontier that found the queue drained sent nothing: no breach);
- **database unavailable**: items the store could not write because the database stayed away
  (``khabar/store/spooled``: kept in the spool, written first by the next crawl;
  ``khabar/store/lost``: not even the spool could take them);
- **site unreachable**: the crawl was closed because the site stopped answering
  (:mod:`khabar_crawler.frontier.unreachable`: ``KHABAR_UNREACHABLE_AFTER`` downloads in a
  row without a response);
- **bot challenges and empty shells** (``KHABAR_CHALLENGE_MAX_SHARE``): the share of fetched
  pages that answered 200 with a challenge or an empty page.

A breach is logged as an error and recorded in the crawler's stats: ``khabar/alarm/<name>``
(the message) and ``khabar/alarm/failed`` = 1. The stats are the only channel: the run
record reads them to mark the run ``failed`` in ``crawl_runs``, and ``scrapy crawl`` to exit
with status 3 (see :mod:`khabar_crawler.runs.commands.crawl`), so that cron and Scrapyd notice.
The alarms are evaluated once per run, by :meth:`Alarms.check`: at ``spider_closed``, or
earlier by whichever component needs the verdict first (the run record), so that no result
depends on the order of the signal handlers.
"""

from __future__ import annotations

import logging
import statistics
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from sqlalchemy import select

from khabar_crawler.db.database import get_database
from khabar_crawler.db.models import CrawlRun

logger = logging.getLogger(__name__)

#: the stats key set to 1 when a run breached an alarm
FAILED = "khabar/alarm/failed"
#: the exit status of ``scrapy crawl`` for a run that breached an alarm
EXIT_STATUS = 3
#: stats prefix of the extraction layer that filled the body: ``<prefix><layer>`` per item
BODY_LAYER_PREFIX = "khabar/extract/layer/body/"


#: the stats of the article URLs listed by the site's sitemaps and feed, and their sum
LISTED_PARTS = ("sitemap/urls", "feed/urls", "listed_unchanged")
LISTED = "khabar/discovery/listed"
#: spider arguments that say nothing of what a run crawls (Scrapyd's job id)
INCIDENTAL_ARGUMENTS = frozenset({"_job"})


def comparable_arguments(arguments: dict[str, Any] | None) -> dict[str, Any]:
    """A run's arguments as far as they say what it crawls (Scrapyd's ``_job`` left out)."""
    return {key: value for key, value in (arguments or {}).items() if key not in INCIDENTAL_ARGUMENTS}


def _optional_share(settings: BaseSettings, name: str, default: float) -> float:
    """A share setting that 0, None or an empty value switch off (returned as 0.0); the
    default only when the setting is absent (``settings.get`` would read None as absent)."""
    if name not in settings:
        return default
    value = settings[name]
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
        return 0.0
    return float(value)


def breached(stats: StatsCollector) -> bool:
    """Whether the run whose stats these are breached an alarm."""
    return bool(stats.get_value(FAILED))


class Alarms:
    """Checks the alarms of a run once, when the spider closes (or when first asked)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._found: list[tuple[str, str]] | None = None
        settings = crawler.settings
        self.floors = {k: float(v) for k, v in settings.getdict("KHABAR_COVERAGE_FLOORS").items()}
        self.min_items = settings.getint("KHABAR_COVERAGE_MIN_ITEMS", 20)
        self.drop_ratio = settings.getfloat("KHABAR_ITEMS_DROP_RATIO", 0.7)
        self.drop_window = settings.getint("KHABAR_ITEMS_DROP_WINDOW", 5)
        self.drop_min = settings.getint("KHABAR_ITEMS_DROP_MIN", 10)
        self.challenge_share = settings.getfloat("KHABAR_CHALLENGE_MAX_SHARE", 0.2)
        self.site_profile_floor = _optional_share(settings, "KHABAR_SITE_PROFILE_MIN_SHARE", 0.8)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Alarms:
        return cls(crawler)

    def _stats(self) -> dict[str, Any]:
        assert self.crawler.stats is not None
        stats: dict[str, Any] = self.crawler.stats.get_stats()
        return stats

    def breaches(self, reason: str) -> list[tuple[str, str]]:
        """The alarms the run's stats breach now, as ``(name, message)``; records nothing."""
        stats = self._stats()
        found: list[tuple[str, str]] = []
        items = int(stats.get("khabar/coverage/items", 0))
        if items >= self.min_items:
            for field, floor in sorted(self.floors.items()):
                share = int(stats.get(f"khabar/coverage/{field}", 0)) / items
                if share < floor:
                    found.append(
                        (
                            f"coverage/{field}",
                            f"only {share:.0%} of {items} items have {field} (floor {floor:.0%})",
                        )
                    )
            site_profile = self._site_profile_breach(stats, items)
            if site_profile:
                found.append(("site_profile", site_profile))
        pages = int(stats.get("response_received_count", 0))
        bad = int(stats.get("khabar/page/bot_challenge", 0)) + int(stats.get("khabar/page/empty_shell", 0))
        if pages >= 5 and bad / pages > self.challenge_share:
            found.append(("challenges", f"{bad} of {pages} pages were bot challenges or empty shells"))
        spooled, lost = int(stats.get("khabar/store/spooled", 0)), int(stats.get("khabar/store/lost", 0))
        if spooled or lost:
            found.append(
                (
                    "database_unavailable",
                    f"the database stayed unavailable: {spooled} items kept in the spool"
                    f" (written first by the next crawl), {lost} lost",
                )
            )
        if reason == "site_unreachable":
            failures = int(stats.get("khabar/unreachable/failures_in_a_row", 0))
            found.append(
                (
                    "site_unreachable",
                    f"the site stopped answering ({failures} downloads in a row without a response,"
                    f" {pages} pages fetched before): the crawl was stopped",
                )
            )
        requests = int(stats.get("downloader/request_count", 0))
        if reason == "finished" and pages == 0 and requests > 0:
            errors = int(stats.get("downloader/exception_count", 0))
            found.append(
                (
                    "nothing_fetched",
                    f"no page was fetched ({errors} download errors):"
                    " the site is unreachable or refused every request",
                )
            )
        if reason == "finished" and not stats.get("khabar/frontier/resumed"):
            # (a resumed JOBDIR run does not read discovery again: nothing to judge or record)
            listed = sum(int(stats.get(f"khabar/discovery/{key}", 0)) for key in LISTED_PARTS)
            assert self.crawler.stats is not None
            self.crawler.stats.set_value(LISTED, listed)
            median = self._recent_median()
            if median is not None and median >= self.drop_min and listed < self.drop_ratio * median:
                found.append(
                    (
                        "items_drop",
                        f"the sitemaps and feed list {listed} article URLs,"
                        f" median of recent comparable runs {median:g}",
                    )
                )
        return found

    def _site_profile_breach(self, stats: dict[str, Any], items: int) -> str | None:
        """The message when too few items took their body from the site profile, else None."""
        if self.site_profile_floor <= 0 or not any(key.startswith(BODY_LAYER_PREFIX) for key in stats):
            return None  # switched off, or a spider that records no layers: nothing to judge
        share = int(stats.get(f"{BODY_LAYER_PREFIX}site", 0)) / items
        if share >= self.site_profile_floor:
            return None
        others = sorted(
            (
                (key.removeprefix(BODY_LAYER_PREFIX), int(value))
                for key, value in stats.items()
                if key.startswith(BODY_LAYER_PREFIX) and key != f"{BODY_LAYER_PREFIX}site" and value
            ),
            key=lambda pair: (-pair[1], pair[0]),
        )
        rest = ", ".join(f"{layer} {count}" for layer, count in others) or "no other layer"
        return (
            f"only {share:.0%} of {items} items took their body from the site profile"
            f" (floor {self.site_profile_floor:.0%}): the site's theme may have changed;"
            f" other layers filled the rest ({rest})"
        )

    def _recent_median(self) -> float | None:
        """Median of the article URLs listed in recent comparable runs (see the module; None
        when the crawl stores nothing, so has no earlier runs to compare with)."""
        if not self.crawler.settings.get("ITEM_PIPELINES"):
            return None
        arguments = comparable_arguments(getattr(self.crawler.spider, "arguments", {}))
        try:
            with get_database(self.crawler).sessions() as session:
                runs = session.scalars(
                    select(CrawlRun)
                    .where(CrawlRun.status.in_(("finished", "failed")))
                    .order_by(CrawlRun.id.desc())
                    .limit(200)
                )
                counts = [
                    int((run.stats or {}).get(LISTED) or 0)
                    for run in runs
                    if comparable_arguments(run.arguments) == arguments and (run.stats or {}).get(LISTED)
                ][: self.drop_window]
        except Exception as exc:  # the alarm must not break the close
            logger.warning("Could not read earlier runs for the items-drop alarm: %s", exc)
            return None
        return statistics.median(counts) if counts else None

    def check(self, reason: str) -> list[tuple[str, str]]:
        """The run's breaches, evaluated on the first call only (``reason``: the spider's
        close reason) and recorded in the stats; later calls return the same list."""
        if self._found is None:
            self._found = self.breaches(reason)
            self._record(self._found)
        return list(self._found)

    def _record(self, found: list[tuple[str, str]]) -> None:
        if not found:
            return
        assert self.crawler.stats is not None
        for name, message in found:
            self.crawler.stats.set_value(f"khabar/alarm/{name}", message)
            logger.error("ALARM %s: %s", name, message)
        self.crawler.stats.set_value(FAILED, 1)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.check(reason)
