"""The scheduler: Scrapy's, with the frontier on disk even without ``JOBDIR``.

A crawl discovers links faster than it fetches them: on a site of 100,000 articles whose pages
link to each other, tens of thousands of requests wait at once, about 2 KB each in memory.
Scrapy keeps waiting requests on disk only with ``JOBDIR``; this scheduler gives runs without
one a temporary directory for the same disk queues, removed when the spider closes, so memory
does not grow with the frontier. ``KHABAR_DISK_FRONTIER = False`` keeps it in memory. With
``JOBDIR``, Scrapy's behaviour is unchanged (the queue is kept there, for resuming).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from typing import Any, Self

from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from scrapy.utils.job import job_dir
from scrapy.utils.misc import build_from_crawler, load_object

logger = logging.getLogger(__name__)


class SpillingScheduler(Scheduler):
    temporary: str | None = None

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
        return scheduler

    def close(self, reason: str) -> Any:
        result = super().close(reason)
        if self.temporary is not None:
            shutil.rmtree(self.temporary, ignore_errors=True)
        return result
