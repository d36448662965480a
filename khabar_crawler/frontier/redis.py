"""Scale-out: with ``REDIS_URL`` set, scheduling and duplicate filtering move to Redis
(scrapy-redis), so several ``scrapy crawl khabarayn`` processes share one frontier.

All processes of one crawl must use the same job name (``KHABAR_JOB``, setting or environment;
default: the current UTC hour, so processes started together by cron agree). The job's Redis
keys are ``<spider>:<job>:requests`` and ``<spider>:<job>:dupefilter``; they persist while the
job runs (a process that finishes early must not clear the others' frontier) and expire
``KHABAR_REDIS_KEY_TTL`` seconds (default one day) after a process closes.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from scrapy.settings import Settings
from scrapy_redis.dupefilter import RFPDupeFilter

from khabar_crawler.frontier.fingerprint import CanonicalRequestFingerprinter

_fingerprinter = CanonicalRequestFingerprinter()


def redis_url(settings: Settings) -> str | None:
    value = settings.get("REDIS_URL") or os.environ.get("REDIS_URL")
    return str(value) if value else None


def job_name(settings: Settings) -> str:
    value = settings.get("KHABAR_JOB") or os.environ.get("KHABAR_JOB")
    return str(value) if value else datetime.now(UTC).strftime("%Y%m%d%H")


def configure_redis(settings: Settings) -> None:
    """Switch the crawl to the shared Redis frontier when ``REDIS_URL`` is set."""
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
        settings.set(key, value, priority="spider")
    extensions = dict(settings.getdict("EXTENSIONS"))
    extensions["khabar_crawler.frontier.redis.ExpireJobKeys"] = 600
    settings.set("EXTENSIONS", extensions, priority="spider")


class CanonicalRFPDupeFilter(RFPDupeFilter):
    """scrapy-redis's duplicate filter, over the project's canonical-URL fingerprints."""

    def request_fingerprint(self, request: object) -> str:
        return _fingerprinter.fingerprint(request).hex()  # type: ignore[arg-type]


class ExpireJobKeys:
    """Give the job's Redis keys a time to live when a process closes."""

    def __init__(self, settings: Settings, spider_name: str) -> None:
        self.settings = settings
        self.spider_name = spider_name

    @classmethod
    def from_crawler(cls, crawler):  # type: ignore[no-untyped-def]
        from scrapy import signals

        extension = cls(crawler.settings, crawler.spidercls.name)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: object) -> None:
        from scrapy_redis.connection import get_redis_from_settings

        server = get_redis_from_settings(self.settings)
        ttl = self.settings.getint("KHABAR_REDIS_KEY_TTL", 86400)
        for setting in ("SCHEDULER_QUEUE_KEY", "SCHEDULER_DUPEFILTER_KEY"):
            server.expire(self.settings.get(setting) % {"spider": self.spider_name}, ttl)
