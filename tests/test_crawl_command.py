"""The ``crawl`` command's exit status, read from the crawler's stats once the crawl is over.

The crawler process is a stand-in with the public interface the command uses
(``create_crawler``, ``crawl``, ``start``, ``bootstrap_failed``): a real one would run a
reactor, which a test process can start only once (tests/test_incremental.py runs the real
command and checks the status 3 of a breached run).
"""

from __future__ import annotations

import argparse
import signal
from typing import Any

import pytest
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.utils.test import get_crawler

from khabar_crawler.runs.alarms import EXIT_STATUS
from khabar_crawler.runs.commands.crawl import Command


class Process:
    """Runs nothing: ``start`` leaves the given final stats on the crawler."""

    def __init__(self, final_stats: dict[str, Any], bootstrap_failed: bool = False) -> None:
        self.final_stats = final_stats
        self.bootstrap_failed = False
        self.fails_to_start = bootstrap_failed
        self.spider_arguments: list[dict[str, str]] = []
        self.crawler: Crawler | None = None

    def create_crawler(self, name: str) -> Crawler:
        self.crawler = get_crawler(Spider, {"EXTENSIONS_BASE": {}})
        return self.crawler

    def crawl(self, crawler: Crawler, **spargs: str) -> None:
        assert crawler is self.crawler
        self.spider_arguments.append(spargs)

    def start(self) -> None:
        assert self.crawler is not None
        self.crawler.stats.set_stats(dict(self.final_stats))
        self.bootstrap_failed = self.fails_to_start


def run(process: Process, *args: str, **spargs: str) -> int:
    command = Command()
    command.crawler_process = process  # type: ignore[assignment]
    command.run(list(args), argparse.Namespace(spargs=spargs))
    return command.exitcode


def test_a_quiet_run_exits_0() -> None:
    assert run(Process({"finish_reason": "finished"}), "khabarayn") == 0


def test_a_breached_alarm_exits_3() -> None:
    assert run(Process({"khabar/alarm/failed": 1}), "khabarayn") == EXIT_STATUS == 3


def test_a_crawl_that_could_not_start_exits_1() -> None:
    assert run(Process({"khabar/alarm/failed": 1}, bootstrap_failed=True), "khabarayn") == 1


def test_spider_arguments_reach_the_crawl() -> None:
    process = Process({})
    run(process, "khabarayn", since="2024-01-01")
    assert process.spider_arguments == [{"since": "2024-01-01"}]


@pytest.mark.parametrize("args", [(), ("khabarayn", "other")])
def test_one_spider_name_is_required(args: tuple[str, ...]) -> None:
    with pytest.raises(UsageError):
        run(Process({}), *args)


def test_a_run_whose_database_stayed_away_exits_3() -> None:
    assert run(Process({"finish_reason": "database_unavailable"}), "khabarayn") == EXIT_STATUS


@pytest.mark.parametrize("reason", ["finished", "closespider_itemcount", "shutdown"])
def test_a_run_that_ended_normally_exits_0(reason: str) -> None:
    assert run(Process({"finish_reason": reason}), "khabarayn") == 0


def test_the_command_leaves_the_shutdown_signals_unblocked() -> None:
    run(Process({"finish_reason": "finished"}), "khabarayn")
    assert not {signal.SIGTERM, signal.SIGINT} & signal.pthread_sigmask(signal.SIG_BLOCK, [])
