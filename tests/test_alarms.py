"""The run's alarms: items drop (against earlier runs in the crawl's database), bot challenges,
and the verdict recorded once in the stats."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from khabar_crawler.db.database import get_database
from khabar_crawler.db.models import CrawlRun
from khabar_crawler.runs.alarms import Alarms, breached

ARGUMENTS = {"since": "2024-01-01"}


class ArgumentsSpider(Spider):
    """A spider that records its arguments, as the project's spider does."""

    name = "khabarayn"
    arguments = ARGUMENTS


def crawler(tmp_path: Path, stats: dict[str, Any], **settings: Any) -> Crawler:
    """A crawler with the project's database extension, a spider and the given stats."""
    made = get_crawler(
        ArgumentsSpider,
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'khabar.db'}",
            "EXTENSIONS_BASE": {},
            "EXTENSIONS": {"khabar_crawler.db.database.DatabaseExtension": 50},
            "ITEM_PIPELINES": {"pipelines.store.StorePipeline": 400},  # a crawl that stores runs
            **settings,
        },
    )
    made.spider = ArgumentsSpider()
    made.stats.set_stats(dict(stats))
    return made


def earlier_runs(
    crawled: Crawler, *listed: int, status: str = "finished", arguments: dict[str, str] = ARGUMENTS
) -> None:
    """crawl_runs rows (oldest first) whose sitemaps and feed listed ``listed`` article URLs."""
    with get_database(crawled).sessions.begin() as session:
        for count in listed:
            session.add(
                CrawlRun(
                    spider="khabarayn",
                    started_at=datetime.now(UTC),
                    status=status,
                    arguments=dict(arguments),
                    stats={"khabar/discovery/listed": count},
                )
            )


def listing(sitemaps: int, feed: int = 0, unchanged: int = 0) -> dict[str, Any]:
    """A run's stats: article URLs of the sitemaps and feed read, and of those answering 304."""
    return {
        "khabar/discovery/sitemap/urls": sitemaps,
        "khabar/discovery/feed/urls": feed,
        "khabar/discovery/listed_unchanged": unchanged,
    }


def items_drop(found: list[tuple[str, str]]) -> list[str]:
    return [message for name, message in found if name == "items_drop"]


def challenges(found: list[tuple[str, str]]) -> list[str]:
    return [message for name, message in found if name == "challenges"]


# --- items drop ----------------------------------------------------------------------------

DROP = "the sitemaps and feed list {} article URLs, median of recent comparable runs {}"


def test_items_drop_fires_below_the_ratio_of_the_median_of_recent_runs(tmp_path: Path) -> None:
    crawled = crawler(tmp_path, listing(30, feed=10))
    earlier_runs(crawled, 90, 100, 120)
    assert items_drop(Alarms(crawled).breaches("finished")) == [DROP.format(40, 100)]


def test_items_drop_quiet_at_the_ratio_of_the_median(tmp_path: Path) -> None:
    crawled = crawler(tmp_path, listing(70))
    earlier_runs(crawled, 90, 100, 120)
    assert items_drop(Alarms(crawled).breaches("finished")) == []


def test_an_incremental_run_that_extracts_nothing_is_no_drop(tmp_path: Path) -> None:
    """Every sitemap answered 304: nothing extracted, everything still listed."""
    crawled = crawler(tmp_path, {**listing(0, unchanged=100), "khabar/extract/article": 0})
    earlier_runs(crawled, 90, 100, 120)
    assert items_drop(Alarms(crawled).breaches("finished")) == []


def test_the_listed_urls_are_recorded_for_later_runs(tmp_path: Path) -> None:
    crawled = crawler(tmp_path, listing(30, feed=10, unchanged=60))
    Alarms(crawled).breaches("finished")
    assert crawled.stats.get_value("khabar/discovery/listed") == 100


def test_items_drop_compares_runs_with_the_same_arguments(tmp_path: Path) -> None:
    crawled = crawler(tmp_path, listing(40))
    earlier_runs(crawled, 90, 100, 120)
    earlier_runs(crawled, 1000, 1000, 1000, 1000, arguments={"full": "1"})
    earlier_runs(crawled, 1000, 1000, 1000, 1000, status="interrupted")
    assert items_drop(Alarms(crawled).breaches("finished")) == [DROP.format(40, 100)]


def test_scrapyds_job_id_does_not_make_runs_incomparable(tmp_path: Path) -> None:
    crawled = crawler(tmp_path, listing(40))
    earlier_runs(crawled, 90, 100, 120, arguments={**ARGUMENTS, "_job": "a1b2"})
    assert items_drop(Alarms(crawled).breaches("finished")) == [DROP.format(40, 100)]


def test_items_drop_recovers_once_the_change_lasts(tmp_path: Path) -> None:
    """Failed runs count: after a lasting change the median follows the site."""
    crawled = crawler(tmp_path, listing(40))
    earlier_runs(crawled, 100, 100)
    earlier_runs(crawled, 40, 40, 40, status="failed")
    assert items_drop(Alarms(crawled).breaches("finished")) == []


def test_items_drop_reads_only_the_window_of_recent_runs(tmp_path: Path) -> None:
    crawled = crawler(tmp_path, listing(15), KHABAR_ITEMS_DROP_WINDOW=2)
    earlier_runs(crawled, 1000, 1000, 1000, 20, 20)
    assert items_drop(Alarms(crawled).breaches("finished")) == []


def test_items_drop_quiet_below_the_minimum_median(tmp_path: Path) -> None:
    crawled = crawler(tmp_path, listing(0))
    earlier_runs(crawled, 8, 9, 9)
    assert items_drop(Alarms(crawled).breaches("finished")) == []


def test_items_drop_quiet_without_earlier_runs(tmp_path: Path) -> None:
    assert items_drop(Alarms(crawler(tmp_path, listing(0))).breaches("finished")) == []


def test_items_drop_only_judges_finished_crawls(tmp_path: Path) -> None:
    crawled = crawler(tmp_path, listing(1))
    earlier_runs(crawled, 90, 100, 120)
    assert items_drop(Alarms(crawled).breaches("shutdown")) == []


def test_items_drop_quiet_when_the_crawl_stores_nothing(tmp_path: Path) -> None:
    crawled = crawler(tmp_path, listing(1))
    earlier_runs(crawled, 90, 100, 120)
    alarms = Alarms(crawler(tmp_path, listing(1), ITEM_PIPELINES={}))
    assert items_drop(alarms.breaches("finished")) == []


# --- bot challenges and empty shells -------------------------------------------------------


def test_challenges_fire_above_the_share(tmp_path: Path) -> None:
    stats = {"response_received_count": 10, "khabar/page/bot_challenge": 2, "khabar/page/empty_shell": 1}
    found = Alarms(crawler(tmp_path, stats)).breaches("finished")
    assert challenges(found) == ["3 of 10 pages were bot challenges or empty shells"]


def test_challenges_quiet_at_the_share(tmp_path: Path) -> None:
    stats = {"response_received_count": 10, "khabar/page/bot_challenge": 2}
    assert challenges(Alarms(crawler(tmp_path, stats)).breaches("finished")) == []


def test_challenges_quiet_below_five_pages(tmp_path: Path) -> None:
    stats = {"response_received_count": 4, "khabar/page/bot_challenge": 4}
    assert challenges(Alarms(crawler(tmp_path, stats)).breaches("finished")) == []


def test_challenges_share_is_a_setting(tmp_path: Path) -> None:
    stats = {"response_received_count": 10, "khabar/page/empty_shell": 5}
    found = Alarms(crawler(tmp_path, stats, KHABAR_CHALLENGE_MAX_SHARE=0.5)).breaches("finished")
    assert challenges(found) == []


# --- nothing fetched -------------------------------------------------------------------------


def nothing_fetched(found: list[tuple[str, str]]) -> list[str]:
    return [message for name, message in found if name == "nothing_fetched"]


def test_a_finished_run_that_fetched_no_page_fails(tmp_path: Path) -> None:
    stats = {"downloader/request_count": 3, "downloader/exception_count": 3}
    found = Alarms(crawler(tmp_path, stats)).breaches("finished")
    assert nothing_fetched(found) == [
        "no page was fetched (3 download errors): the site is unreachable or refused every request"
    ]


def test_a_run_stopped_before_its_first_page_is_no_breach(tmp_path: Path) -> None:
    assert nothing_fetched(Alarms(crawler(tmp_path, {})).breaches("shutdown")) == []


def test_a_run_that_had_nothing_to_request_is_no_breach(tmp_path: Path) -> None:
    """A worker of a shared frontier that found the queue drained."""
    assert nothing_fetched(Alarms(crawler(tmp_path, {})).breaches("finished")) == []


def test_a_run_that_fetched_a_page_is_no_breach(tmp_path: Path) -> None:
    stats = {"response_received_count": 1}
    assert nothing_fetched(Alarms(crawler(tmp_path, stats)).breaches("finished")) == []


# --- the verdict, once per run -------------------------------------------------------------

CHALLENGED = {"response_received_count": 10, "khabar/page/bot_challenge": 5}


def test_check_records_a_breach_in_the_stats(tmp_path: Path) -> None:
    crawled = crawler(tmp_path, CHALLENGED)
    Alarms(crawled).check("finished")
    assert (crawled.stats.get_value("khabar/alarm/challenges"), breached(crawled.stats)) == (
        "5 of 10 pages were bot challenges or empty shells",
        True,
    )


def test_check_records_nothing_for_a_quiet_run(tmp_path: Path) -> None:
    crawled = crawler(tmp_path, {"response_received_count": 10})
    Alarms(crawled).check("finished")
    assert breached(crawled.stats) is False


def test_check_evaluates_once(tmp_path: Path) -> None:
    crawled = crawler(tmp_path, CHALLENGED)
    alarms = Alarms(crawled)
    first = alarms.check("finished")
    crawled.stats.set_value("response_received_count", 1000)  # would be quiet now
    assert (alarms.check("finished"), crawled.stats.get_value("khabar/alarm/challenges")) == (
        first,
        "5 of 10 pages were bot challenges or empty shells",
    )


def test_check_logs_each_breach_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    alarms = Alarms(crawler(tmp_path, CHALLENGED))
    alarms.check("finished")
    alarms.check("finished")
    assert [r.getMessage() for r in caplog.records if r.getMessage().startswith("ALARM")] == [
        "ALARM challenges: 5 of 10 pages were bot challenges or empty shells"
    ]


def with_alarms(tmp_path: Path, stats: dict[str, Any]) -> Crawler:
    """A crawler whose extensions are the project's database and alarms."""
    extensions = {"khabar_crawler.db.database.DatabaseExtension": 50, Alarms: 100}
    return crawler(tmp_path, stats, EXTENSIONS=extensions)


def test_spider_closed_checks_the_alarms(tmp_path: Path) -> None:
    crawled = with_alarms(tmp_path, CHALLENGED)
    crawled.signals.send_catch_log(signals.spider_closed, spider=crawled.spider, reason="finished")
    assert breached(crawled.stats) is True


def test_spider_closed_keeps_an_earlier_verdict(tmp_path: Path) -> None:
    """Whoever asks first (the run record) decides; the signal handler does not re-judge."""
    crawled = with_alarms(tmp_path, {"response_received_count": 10})
    alarms = crawled.get_extension(Alarms)
    assert alarms is not None
    alarms.check("finished")
    crawled.stats.set_stats(CHALLENGED)
    crawled.signals.send_catch_log(signals.spider_closed, spider=crawled.spider, reason="finished")
    assert breached(crawled.stats) is False


def test_items_drop_does_not_judge_a_resumed_job(tmp_path: Path) -> None:
    """A run resuming a JOBDIR does not read discovery again: its listing says nothing."""
    crawled = crawler(tmp_path, {**listing(0), "khabar/frontier/resumed": 120})
    earlier_runs(crawled, 90, 100, 120)
    assert items_drop(Alarms(crawled).breaches("finished")) == []
