"""Write the crawl's final stats as JSON (``-s KHABAR_STATS_FILE=run-stats.json``).

For schedulers and scripts that need to know what a run did without parsing its log.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


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
        assert self.crawler.stats is not None
        stats = {k: _jsonable(v) for k, v in self.crawler.stats.get_stats().items()}
        stats.setdefault("finish_reason", reason)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(stats, ensure_ascii=False, indent=2, sort_keys=True) + "\n", "utf-8")
