"""Scale-out, a Scrapy add-on (``ADDONS``): with ``REDIS_URL`` set (setting or environment),
scheduling and duplicate filtering move to Redis (scrapy-redis), so several
``scrapy crawl khabarayn`` processes share one frontier. Without it the add-on changes nothing.

All processes of one crawl must use the same job name (``KHABAR_JOB``, setting or environment;
default: the current UTC hour, so processes started together by cron agree). The job's Redis
keys are ``<spider>:<job>:requests`` and ``<spider>:<job>:dupefilter``; they persist while the
job runs (a process that finishes early must not clear the others' frontier) and expire
``KHABAR_REDIS_KEY_TTL`` seconds (default one day) after a process closes.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter

from khabar_crawler.frontier.fingerprint import CanonicalRequestFingerprinter

_fingerprinter = CanonicalRequestFingerprinter()


def redis_url(settings: BaseSettings) -> str | None:
    value = settings.get("REDIS_URL") or os.environ.get("REDIS_URL")
    return str(value) if value else None


def job_name(settings: BaseSettings) -> str:
    value = settings.get("KHABAR_JOB") or os.environ.get("KHABAR_JOB")
    return str(value) if value else datetime.now(UTC).strftime("%Y%m%d%H")


class RedisFrontier:
    """The add-on: switches the crawl to the shared Redis frontier when ``REDIS_URL`` is set.

    Its settings take the project's priority: they replace the project's own frontier lines of
    ``settings.py`` (SCHEDULER, DUPEFILTER_CLASS), as Scrapy's ``addon`` priority, below the
    project's, could not; a spider's settings and ``-s`` still win.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        url = redis_url(settings)
        if not url:
            return
        job = job_name(settings)
        for key, value in {
            "REDIS_URL": url,
            "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
            "SCHEDULER_DUPEFILTER_CLASS": "khabar_crawler.frontier.redis.CanonicalRFPDupeFilter",
            "DUPEFILTER_CLASS": "khabar_crawler.frontier.redis.CanonicalRFPDupeFilter",
            "SCHEDULER_PERSIST": True,
            "SCHEDULER_QUEUE_KEY": f"%(spider)s:{job}:requests",
            "SCHEDULER_DUPEFILTER_KEY": f"%(spider)s:{job}:dupefilter",
            "KHABAR_JOB": job,
        }.items():
            settings.set(key, value, priority="project")
        settings.set_in_component_priority_dict("EXTENSIONS", ExpireJobKeys, 600)


class CanonicalRFPDupeFilter(RFPDupeFilter):
    """scrapy-redis's duplicate filter, over the project's canonical-URL fingerprints."""

    def request_fingerprint(self, request: Request) -> str:
        return _fingerprinter.fingerprint(request).hex()


class ExpireJobKeys:
    """Give the job's Redis keys a time to live when a process closes."""

    def __init__(self, settings: BaseSettings, spider_name: str) -> None:
        self.settings = settings
        self.spider_name = spider_name

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler.settings, str(crawler.spidercls.name))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def job_keys(self) -> list[str]:
        """The job's Redis keys: its request queue and its duplicate filter."""
        return [
            self.settings[setting] % {"spider": self.spider_name}
            for setting in ("SCHEDULER_QUEUE_KEY", "SCHEDULER_DUPEFILTER_KEY")
        ]

    def spider_closed(self, spider: Spider) -> None:
        server = get_redis_from_settings(self.settings)
        ttl = self.settings.getint("KHABAR_REDIS_KEY_TTL", 86400)
        for key in self.job_keys():
            server.expire(key, ttl)
