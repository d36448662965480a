"""Write the crawl's final stats as JSON (``-s KHABAR_STATS_FILE=run-stats.json``).

For schedulers and scripts that need to know what a run did without parsing its log. The
alarms' verdict is in it whatever order the ``spider_closed`` handlers run in: the file asks
:meth:`khabar_crawler.runs.alarms.Alarms.check` (evaluated once per run) before writing.
"""

from __future__ import annotations

import json
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from khabar_crawler.db.values import jsonable
from khabar_crawler.runs.alarms import Alarms


class StatsFile:
    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatsFile:
        path = crawler.settings.get("KHABAR_STATS_FILE")
        if not path:
            raise NotConfigured
        return cls(crawler, Path(path))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        alarms = self.crawler.get_extension(Alarms)
        if alarms is not None:
            alarms.check(reason)
        assert self.crawler.stats is not None
        stats = {k: jsonable(v) for k, v in self.crawler.stats.get_stats().items()}
        stats.setdefault("finish_reason", reason)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(stats, ensure_ascii=False, indent=2, sort_keys=True) + "\n", "utf-8")
