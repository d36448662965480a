"""The scheduler: Scrapy's, with the frontier on disk even without ``JOBDIR``.

A crawl discovers links faster than it fetches them: on a site of 100,000 articles whose pages
link to each other, tens of thousands of requests wait at once, about 2 KB each in memory.
Scrapy keeps waiting requests on disk only with ``JOBDIR``; this scheduler gives runs without
one a temporary directory for the same disk queues, removed when the spider closes. Serialising
a request costs about half a millisecond, so the first ``KHABAR_MEMORY_FRONTIER`` (10,000)
waiting requests stay in memory (about 20 MB) and only those past it go to disk: memory stops
growing with the frontier, and small crawls pay nothing. ``KHABAR_DISK_FRONTIER = False`` keeps
the whole frontier in memory. With ``JOBDIR`` every waiting request is kept there, for resuming.
"""

from __future__ import annotations

import shutil
import tempfile
from typing import Any, Self

from scrapy import Request, Spider
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler


class SpillingScheduler(Scheduler):
    temporary: str | None = None
    #: waiting requests kept in memory before new ones go to disk (KHABAR_MEMORY_FRONTIER)
    memory_limit: int = 0

    def _dqpush(self, request: Request) -> bool:
        # serialising a request costs about half a millisecond: only past the limit
        if len(self.mqs) < self.memory_limit:
            return False
        return super()._dqpush(request)

    spill: bool = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        scheduler = super().from_crawler(crawler)
        if scheduler.dqdir is None and crawler.settings.getbool("KHABAR_DISK_FRONTIER", True):
            scheduler.spill = True
            # with a JOBDIR every waiting request goes to disk, or a paused run would lose some
            scheduler.memory_limit = max(0, crawler.settings.getint("KHABAR_MEMORY_FRONTIER", 10_000))
        return scheduler

    def open(self, spider: Spider) -> Any:
        if self.spill:  # no JOBDIR: Scrapy's disk queues in a directory of this run
            self.temporary = self.dqdir = tempfile.mkdtemp(prefix="khabar-frontier-")
        return super().open(spider)

    def close(self, reason: str) -> Any:
        result = super().close(reason)
        if self.temporary is not None:
            shutil.rmtree(self.temporary, ignore_errors=True)
        return result
