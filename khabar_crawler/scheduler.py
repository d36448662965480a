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

import logging
import shutil
import tempfile
from typing import Any, Self

from scrapy import Request
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from scrapy.utils.job import job_dir
from scrapy.utils.misc import build_from_crawler, load_object

logger = logging.getLogger(__name__)


class SpillingScheduler(Scheduler):
    temporary: str | None = None
    #: waiting requests kept in memory before new ones go to disk (KHABAR_MEMORY_FRONTIER)
    memory_limit: int = 0

    def _dqpush(self, request: Request) -> bool:
        # serialising a request costs about half a millisecond: only past the limit
        if len(self.mqs) < self.memory_limit:
            return False
        return super()._dqpush(request)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        jobdir = job_dir(settings)
        temporary = None
        if jobdir is None and settings.getbool("KHABAR_DISK_FRONTIER", True):
            temporary = jobdir = tempfile.mkdtemp(prefix="khabar-frontier-")
        dupefilter_cls = load_object(settings["DUPEFILTER_CLASS"])
        scheduler = cls(
            dupefilter=build_from_crawler(dupefilter_cls, crawler),  # JOBDIR of the settings
            jobdir=jobdir,
            dqclass=load_object(settings["SCHEDULER_DISK_QUEUE"]),
            mqclass=load_object(settings["SCHEDULER_MEMORY_QUEUE"]),
            logunser=settings.getbool("SCHEDULER_DEBUG"),
            stats=crawler.stats,
            pqclass=load_object(settings["SCHEDULER_PRIORITY_QUEUE"]),
            crawler=crawler,
        )
        scheduler.temporary = temporary
        # with a JOBDIR every waiting request goes to disk, or a paused run would lose some
        scheduler.memory_limit = max(0, settings.getint("KHABAR_MEMORY_FRONTIER", 10_000)) if temporary else 0
        return scheduler

    def close(self, reason: str) -> Any:
        result = super().close(reason)
        if self.temporary is not None:
            shutil.rmtree(self.temporary, ignore_errors=True)
        return result
