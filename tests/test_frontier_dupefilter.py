"""The duplicate filter on its own (``get_crawler``, no crawl): canonical URLs, JOBDIR
persistence and recovery from a killed run, and the spider's view of it (SeenUrls)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from khabar_crawler.frontier.dupefilter import MARKER, RecoveringDupeFilter, SeenUrls

FINGERPRINTER = "khabar_crawler.frontier.fingerprint.CanonicalRequestFingerprinter"
URL = "https://khabarayn.com/news/41872/تعاون/"


def make_crawler(**settings: Any) -> Crawler:
    return get_crawler(
        Spider,
        {
            "REQUEST_FINGERPRINTER_CLASS": FINGERPRINTER,
            "EXTENSIONS_BASE": {},
            "EXTENSIONS": {SeenUrls: 0},
            **settings,
        },
    )


_opened: list[RecoveringDupeFilter] = []


@pytest.fixture(autouse=True)
def close_filters() -> Iterator[None]:
    """Every filter a test builds is closed after it (a JOBDIR filter holds its file open)."""
    yield
    while _opened:
        _opened.pop().close("finished")


def dupefilter(crawler: Crawler | None = None, **settings: Any) -> RecoveringDupeFilter:
    built = build_from_crawler(RecoveringDupeFilter, crawler or make_crawler(**settings))
    _opened.append(built)
    return built


def test_a_new_request_is_not_seen() -> None:
    assert dupefilter().request_seen(Request(URL)) is False


def test_a_repeated_request_is_seen() -> None:
    filtered = dupefilter()
    filtered.request_seen(Request(URL))
    assert filtered.request_seen(Request(URL)) is True


def test_variants_of_a_url_are_one_request() -> None:
    filtered = dupefilter()
    filtered.request_seen(Request(URL))
    assert filtered.request_seen(Request(URL.replace("https:", "http:") + "?utm_source=x#top")) is True


def test_a_filtered_request_is_counted() -> None:
    crawler = make_crawler()
    dupefilter(crawler).log(Request(URL), Spider("s"))
    assert crawler.stats.get_value("dupefilter/filtered") == 1


def test_a_paused_job_keeps_its_requests(tmp_path: Path) -> None:
    first = dupefilter(JOBDIR=str(tmp_path))
    first.request_seen(Request(URL))
    first.close("shutdown")
    assert dupefilter(JOBDIR=str(tmp_path)).request_seen(Request(URL)) is True


def test_a_finished_job_starts_the_next_run_afresh(tmp_path: Path) -> None:
    """A scheduled crawl keeps one JOBDIR for every run: a finished run leaves nothing seen."""
    first = dupefilter(JOBDIR=str(tmp_path))
    first.request_seen(Request(URL))
    first.close("finished")
    assert dupefilter(JOBDIR=str(tmp_path)).request_seen(Request(URL)) is False


def killed_job(tmp_path: Path) -> str:
    """A job directory whose run saw URL and was killed: its in-progress marker was left."""
    run = dupefilter(JOBDIR=str(tmp_path))
    run.request_seen(Request(URL))
    run.close("shutdown")
    (tmp_path / MARKER).write_text("4242")
    return str(tmp_path)


def test_a_killed_job_rediscovers_its_requests(tmp_path: Path) -> None:
    assert dupefilter(JOBDIR=killed_job(tmp_path)).request_seen(Request(URL)) is False


def test_a_killed_job_is_reported_recovered(tmp_path: Path) -> None:
    assert dupefilter(JOBDIR=killed_job(tmp_path)).recovered is True


def test_the_spider_sees_what_the_filter_saw() -> None:
    crawler = make_crawler()
    dupefilter(crawler).request_seen(Request(URL))
    seen = crawler.get_extension(SeenUrls)
    assert seen is not None and seen(URL) is True


def test_asking_the_spider_view_records_nothing() -> None:
    crawler = make_crawler()
    filtered = dupefilter(crawler)
    seen = crawler.get_extension(SeenUrls)
    assert seen is not None and (seen(URL), filtered.request_seen(Request(URL))) == (False, False)


def test_another_fingerprinter_leaves_the_spider_view_blind() -> None:
    """The view fingerprints URLs as the project does: with another fingerprinter it cannot
    tell, and says no."""
    crawler = make_crawler(REQUEST_FINGERPRINTER_CLASS="scrapy.utils.request.RequestFingerprinter")
    dupefilter(crawler).request_seen(Request(URL))
    seen = crawler.get_extension(SeenUrls)
    assert seen is not None and seen(URL) is False


def skipped_as_not_due() -> RecoveringDupeFilter:
    filtered = dupefilter()
    first = Request(URL)
    filtered.request_seen(first)
    filtered.not_due(first)
    return filtered


def test_a_request_saying_the_page_changed_passes_after_a_not_due_skip() -> None:
    assert skipped_as_not_due().request_seen(Request(URL, meta={"lastmod": "2026-11-27"})) is False


def test_a_revisit_passes_after_a_not_due_skip() -> None:
    assert skipped_as_not_due().request_seen(Request(URL, meta={"khabar_revisit": True})) is False


def test_a_plain_link_stays_a_duplicate_after_a_not_due_skip() -> None:
    assert skipped_as_not_due().request_seen(Request(URL)) is True


def test_a_reason_passes_once() -> None:
    filtered = skipped_as_not_due()
    filtered.request_seen(Request(URL, meta={"lastmod": "2026-11-27"}))
    assert filtered.request_seen(Request(URL, meta={"lastmod": "2026-11-28"})) is True


@pytest.mark.parametrize(("reason", "kept"), [("site_unreachable", False), ("closespider_timeout", True)])
def test_only_a_pause_keeps_the_jobs_requests(tmp_path: Path, reason: str, kept: bool) -> None:
    first = dupefilter(JOBDIR=str(tmp_path))
    first.request_seen(Request(URL))
    first.close(reason)
    assert dupefilter(JOBDIR=str(tmp_path)).request_seen(Request(URL)) is kept


def test_a_resumed_job_says_so_in_the_stats(tmp_path: Path) -> None:
    first = dupefilter(JOBDIR=str(tmp_path))
    first.request_seen(Request(URL))
    first.close("shutdown")
    crawler = make_crawler(JOBDIR=str(tmp_path))
    dupefilter(crawler)
    assert crawler.stats.get_value("khabar/frontier/resumed") == 1


def test_a_reason_filtered_while_the_first_request_waits_is_kept_for_it() -> None:
    filtered = dupefilter()
    waiting = Request(URL)
    filtered.request_seen(waiting)
    filtered.request_seen(Request(URL, meta={"lastmod": "2026-01-02T08:00:00+00:00"}))
    filtered.request_seen(Request(URL, meta={"lastmod": "2026-01-01T08:00:00+00:00"}))
    assert filtered.reason_for(waiting) == {"lastmod": "2026-01-02T08:00:00+00:00"}
