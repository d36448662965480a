"""DOWNLOAD_MAXSIZE and DOWNLOAD_WARNSIZE apply to replayed pages as they do live
(khabar_crawler.snapshot.replay)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler

from khabar_crawler.snapshot.replay import ReplayMiddleware
from khabar_crawler.snapshot.writer import SnapshotWriter
from tests.helpers import SNAPSHOT, run_crawl

BIG = "https://khabarayn.com/news/1/"
SMALL = "https://khabarayn.com/news/2/"
MEDIUM = "https://khabarayn.com/news/3/"
#: the fixture snapshot's article pages are 26,046 (52306) and 27,037 (41872) bytes long
BETWEEN_THE_ARTICLES = "26500"


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    writer = SnapshotWriter(tmp_path)
    for url, size in ((BIG, 2000), (SMALL, 100), (MEDIUM, 700)):
        writer.add(url, 200, {"Content-Type": ["text/html"]}, b"x" * size)
    writer.close()
    return tmp_path


def middleware(snapshot: Path, **settings: Any) -> ReplayMiddleware:
    limits = {"DOWNLOAD_MAXSIZE": 1000, "DOWNLOAD_WARNSIZE": 500, **settings}
    crawler = get_crawler(settings_dict={"KHABAR_REPLAY_DIR": str(snapshot), **limits})
    assert crawler.stats is not None
    crawler.stats.open_spider()
    return ReplayMiddleware.from_crawler(crawler)


def stat(mw: ReplayMiddleware, key: str) -> Any:
    assert mw.crawler.stats is not None
    return mw.crawler.stats.get_value(key)


def test_a_page_over_the_max_size_is_refused(snapshot: Path) -> None:
    with pytest.raises(IgnoreRequest, match="larger than download max size"):
        middleware(snapshot).process_request(Request(BIG))


def test_a_refused_page_is_counted(snapshot: Path) -> None:
    mw = middleware(snapshot)
    with pytest.raises(IgnoreRequest):
        mw.process_request(Request(BIG))
    assert stat(mw, "khabar/replay/too_large") == 1


def test_a_refused_page_is_logged_with_its_url_and_size(
    snapshot: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(IgnoreRequest):
        middleware(snapshot).process_request(Request(BIG))
    assert any(BIG in r.getMessage() and "2000 bytes" in r.getMessage() for r in caplog.records)


def test_a_refused_page_is_not_counted_as_served(snapshot: Path) -> None:
    mw = middleware(snapshot)
    with pytest.raises(IgnoreRequest):
        mw.process_request(Request(BIG))
    assert stat(mw, "khabar/replay/served") is None


def test_a_page_under_the_max_size_is_served(snapshot: Path) -> None:
    assert middleware(snapshot).process_request(Request(SMALL)).body == b"x" * 100


def test_the_request_meta_overrides_the_max_size(snapshot: Path) -> None:
    response = middleware(snapshot).process_request(Request(BIG, meta={"download_maxsize": 5000}))
    assert len(response.body) == 2000


def test_a_max_size_of_zero_is_no_limit(snapshot: Path) -> None:
    response = middleware(snapshot, DOWNLOAD_MAXSIZE=0).process_request(Request(BIG))
    assert len(response.body) == 2000


def test_a_page_over_the_warn_size_is_served(snapshot: Path) -> None:
    assert len(middleware(snapshot).process_request(Request(MEDIUM)).body) == 700


def test_a_page_over_the_warn_size_is_warned_about_once(
    snapshot: Path, caplog: pytest.LogCaptureFixture
) -> None:
    mw = middleware(snapshot)
    mw.process_request(Request(MEDIUM))
    mw.process_request(Request(MEDIUM))
    assert sum("larger than download warn size" in r.getMessage() for r in caplog.records) == 1


def test_a_page_over_the_warn_size_is_counted_once(snapshot: Path) -> None:
    mw = middleware(snapshot)
    mw.process_request(Request(MEDIUM))
    mw.process_request(Request(MEDIUM))
    assert stat(mw, "khabar/replay/over_warnsize") == 1


@pytest.fixture(scope="module")
def limited_replay(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A real replay of the fixture snapshot with a max size between its two articles' pages."""
    return run_crawl(
        tmp_path_factory.mktemp("limited"),
        "-a",
        f"replay={SNAPSHOT}",
        settings={"DOWNLOAD_MAXSIZE": BETWEEN_THE_ARTICLES},
    )


@pytest.mark.e2e
def test_a_replay_gives_no_item_for_a_page_over_the_max_size(
    limited_replay: tuple[list[dict[str, Any]], dict[str, Any]],
) -> None:
    items, _ = limited_replay
    assert [item["article_id"] for item in items] == ["52306"]


@pytest.mark.e2e
def test_a_replay_counts_the_page_over_the_max_size(
    limited_replay: tuple[list[dict[str, Any]], dict[str, Any]],
) -> None:
    _, stats = limited_replay
    assert stats["khabar/replay/too_large"] == 1
