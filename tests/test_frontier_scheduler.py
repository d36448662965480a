"""The scheduler on its own (``get_crawler``, no crawl): the frontier spills to disk past
KHABAR_MEMORY_FRONTIER, in a temporary directory without JOBDIR, and gives every request back.

The last two tests pin the contracts of Scrapy's ``Scheduler`` that are not public API and that
``SpillingScheduler`` relies on (see khabar_crawler/frontier/scheduler.py): when Scrapy
changes either, they fail, and the pin in pyproject.toml (``scrapy>=2.19,<2.20``) keeps an
untested version out until they pass again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.core.scheduler import Scheduler
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from khabar_crawler.frontier.scheduler import SpillingScheduler

PROJECT = {
    "REQUEST_FINGERPRINTER_CLASS": "khabar_crawler.frontier.fingerprint.CanonicalRequestFingerprinter",
    "DUPEFILTER_CLASS": "khabar_crawler.frontier.dupefilter.RecoveringDupeFilter",
    "EXTENSIONS_BASE": {},
    # Scrapy's default priority queue asks the engine's downloader for its slots: no engine here
    "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue",
}
URLS = [f"https://khabarayn.com/news/{number}/" for number in range(5)]
_opened: list[Scheduler] = []


@pytest.fixture(autouse=True)
def close_schedulers() -> Iterator[None]:
    yield
    while _opened:
        _opened.pop().close("finished")


def scheduler(cls: type[Scheduler] = SpillingScheduler, **settings: Any) -> Scheduler:
    """An open scheduler of ``cls`` holding a request for each of URLS."""
    crawler = get_crawler(Spider, {**PROJECT, "KHABAR_MEMORY_FRONTIER": 2, **settings})
    built = build_from_crawler(cls, crawler)
    built.open(Spider("s"))
    _opened.append(built)
    for url in URLS:
        built.enqueue_request(Request(url))
    return built


def stats(built: Scheduler) -> dict[str, Any]:
    assert built.stats is not None
    return {key: value for key, value in built.stats.get_stats().items() if key.startswith("scheduler/")}


def drain(built: Scheduler) -> list[str]:
    urls = []
    while (request := built.next_request()) is not None:
        urls.append(request.url)
    return urls


def test_requests_past_the_memory_limit_go_to_disk() -> None:
    enqueued = stats(scheduler())
    assert (enqueued["scheduler/enqueued/memory"], enqueued["scheduler/enqueued/disk"]) == (2, 3)


def test_every_request_comes_back() -> None:
    assert sorted(drain(scheduler())) == sorted(URLS)


def test_a_duplicate_is_not_enqueued() -> None:
    assert scheduler().enqueue_request(Request(URLS[0] + "?utm_source=x")) is False


def test_the_temporary_frontier_is_removed_at_close() -> None:
    built = scheduler()
    assert isinstance(built, SpillingScheduler) and built.temporary is not None
    _opened.remove(built)
    built.close("finished")
    assert not Path(built.temporary).exists()


def test_with_a_jobdir_every_request_goes_to_disk(tmp_path: Path) -> None:
    enqueued = stats(scheduler(JOBDIR=str(tmp_path)))
    assert (enqueued.get("scheduler/enqueued/memory"), enqueued["scheduler/enqueued/disk"]) == (None, 5)


def test_with_a_jobdir_no_temporary_frontier_is_made(tmp_path: Path) -> None:
    built = scheduler(JOBDIR=str(tmp_path))
    assert isinstance(built, SpillingScheduler) and built.temporary is None


def test_without_the_disk_frontier_every_request_stays_in_memory() -> None:
    enqueued = stats(scheduler(KHABAR_DISK_FRONTIER=False))
    assert (enqueued["scheduler/enqueued/memory"], enqueued.get("scheduler/enqueued/disk")) == (5, None)


# --- Scrapy's private contracts ------------------------------------------------------------


class DeclineDisk(Scheduler):
    """A plain Scrapy scheduler with a JOBDIR whose ``_dqpush`` declines every request."""

    def _dqpush(self, request: Request) -> bool:
        return False


def test_contract_a_request_that_dqpush_declines_waits_in_memory(tmp_path: Path) -> None:
    """Contract 1: ``Scheduler.enqueue_request`` offers each request to ``_dqpush(request)``
    first and keeps it in the memory queue when that returns False. SpillingScheduler keeps
    the first KHABAR_MEMORY_FRONTIER requests in memory by declining them there."""
    enqueued = stats(scheduler(DeclineDisk, JOBDIR=str(tmp_path)))
    assert (enqueued["scheduler/enqueued/memory"], enqueued.get("scheduler/enqueued/disk")) == (5, None)


def test_contract_mqs_counts_the_requests_waiting_in_memory() -> None:
    """Contract 2: ``Scheduler.open()`` sets ``mqs``, the memory priority queue, whose
    ``len()`` is the number of requests waiting in memory. SpillingScheduler compares it with
    KHABAR_MEMORY_FRONTIER."""
    assert len(scheduler(Scheduler).mqs) == len(URLS)
