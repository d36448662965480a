"""The stats file: the crawl's final stats as JSON, the alarms' verdict included whatever order
the spider_closed handlers run in."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider, signals
from scrapy.utils.test import get_crawler

from khabar_crawler.runs.alarms import Alarms
from khabar_crawler.runs.stats_file import StatsFile

CHALLENGED = {"response_received_count": 10, "khabar/page/bot_challenge": 5}


def written(tmp_path: Path, stats: dict[str, Any], extensions: dict[Any, int]) -> dict[str, Any]:
    """The stats file of a crawl closed with ``stats``, under these extensions."""
    path = tmp_path / "stats.json"
    crawler = get_crawler(
        Spider, {"EXTENSIONS_BASE": {}, "EXTENSIONS": extensions, "KHABAR_STATS_FILE": str(path)}
    )
    crawler.stats.set_stats(dict(stats))
    crawler.signals.send_catch_log(signals.spider_closed, spider=Spider(name="s"), reason="finished")
    found: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return found


def test_datetimes_are_iso_text(tmp_path: Path) -> None:
    start = datetime(2024, 5, 1, 8, 30, tzinfo=UTC)
    stats = written(tmp_path, {"start_time": start}, {StatsFile: 500})
    assert stats["start_time"] == "2024-05-01T08:30:00+00:00"


def test_the_finish_reason_is_written(tmp_path: Path) -> None:
    assert written(tmp_path, {}, {StatsFile: 500})["finish_reason"] == "finished"


@pytest.mark.parametrize("stats_file_priority", [10, 500], ids=["file-first", "alarms-first"])
def test_the_alarms_verdict_is_in_it(tmp_path: Path, stats_file_priority: int) -> None:
    stats = written(tmp_path, CHALLENGED, {StatsFile: stats_file_priority, Alarms: 100})
    assert stats["khabar/alarm/failed"] == 1


def test_nothing_is_written_without_the_setting() -> None:
    crawler = get_crawler(Spider, {"EXTENSIONS_BASE": {}, "EXTENSIONS": {StatsFile: 500}})
    assert crawler.get_extension(StatsFile) is None
