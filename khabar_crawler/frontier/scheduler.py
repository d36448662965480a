"""The scheduler: Scrapy's, with the frontier on disk even without ``JOBDIR``.

A crawl discovers links faster than it fetches them: on a site of 100,000 articles whose pages
link to each other, tens of thousands of requests wait at once, about 2 KB each in memory.
Scrapy keeps waiting requests on disk only with ``JOBDIR``; this scheduler gives runs without
one a temporary directory for the same disk queues (Scrapy's ``jobdir`` argument), removed when
the spider closes. Serialising a request costs about half a millisecond, so the first
``KHABAR_MEMORY_FRONTIER`` (10,000) waiting requests stay in memory (about 20 MB) and only those
past it go to disk: memory stops growing with the frontier, and small crawls pay nothing.
``KHABAR_DISK_FRONTIER = False`` keeps the whole frontier in memory. With ``JOBDIR`` every
waiting request is kept there, for resuming.

Two contracts of Scrapy's ``Scheduler`` that are not public API are relied on (Scrapy is pinned
to a minor version in ``pyproject.toml``; ``tests/test_frontier_scheduler.py`` fails if either
changes): ``enqueue_request`` offers each request to ``_dqpush(request)`` first and pushes it
to the memory queue when that returns False, and ``mqs``, set by ``open()``, is the memory
priority queue whose ``len()`` counts the requests waiting in memory. Scrapy has no public
hook that chooses between its memory and disk queues.
"""

from __future__ import annotations

import shutil
import tempfile
from typing import Any

from scrapy import Request
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from scrapy.dupefilters import BaseDupeFilter


class SpillingScheduler(Scheduler):
    def __init__(self, dupefilter: BaseDupeFilter, jobdir: str | None = None, **kwargs: Any) -> None:
        crawler: Crawler | None = kwargs.get("crawler")
        #: the run's own directory for the disk queues (no JOBDIR), removed at close
        self.temporary: str | None = None
        #: waiting requests kept in memory before new ones go to disk (KHABAR_MEMORY_FRONTIER)
        self.memory_limit = 0
        if jobdir is None and crawler is not None and crawler.settings.getbool("KHABAR_DISK_FRONTIER", True):
            self.temporary = jobdir = tempfile.mkdtemp(prefix="khabar-frontier-")
            # with a JOBDIR every waiting request goes to disk, or a paused run would lose some
            self.memory_limit = max(0, crawler.settings.getint("KHABAR_MEMORY_FRONTIER", 10_000))
        super().__init__(dupefilter, jobdir, **kwargs)

    def _dqpush(self, request: Request) -> bool:
        # serialising a request costs about half a millisecond: only past the limit
        if len(self.mqs) < self.memory_limit:
            return False
        return super()._dqpush(request)

    def close(self, reason: str) -> Any:
        result = super().close(reason)
        if self.temporary is not None:
            shutil.rmtree(self.temporary, ignore_errors=True)
        return result
