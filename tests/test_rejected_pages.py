"""Rejected pages are items: the spider yields them, the pipelines before the store pass them on
untouched; a crawl that stores nothing keeps no run row. (The store's side: test_store.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from khabar_crawler.items import RejectedPage
from khabar_crawler.runs.record import RunRecord, run_status
from khabar_crawler.spiders.khabarayn import KhabaraynSpider
from pipelines.clean import CleanPipeline
from pipelines.dedupe import DedupePipeline
from pipelines.validate import ValidatePipeline

URL = "https://khabarayn.com/news/41872/x/"
CHALLENGE = (
    b"<html><head><title>Just a moment...</title></head><body><div id='cf-chl-widget'></div></body></html>"
)


def test_the_spider_yields_a_bot_challenge_as_a_rejected_page() -> None:
    crawler = get_crawler(KhabaraynSpider)
    spider = KhabaraynSpider.from_crawler(crawler)
    crawler.spider = spider
    response = HtmlResponse(
        URL, body=CHALLENGE, headers={"Content-Type": "text/html; charset=utf-8"}, request=Request(URL)
    )
    assert list(spider.parse_page(response)) == [RejectedPage(URL, "bot_challenge")]


@pytest.mark.parametrize("pipeline", [CleanPipeline, ValidatePipeline, DedupePipeline])
def test_pipelines_before_the_store_pass_a_rejected_page_on_untouched(pipeline: Any) -> None:
    page = RejectedPage(URL, "extraction_error", "ValueError: boom")
    assert pipeline.from_crawler(get_crawler()).process_item(page) == RejectedPage(
        URL, "extraction_error", "ValueError: boom"
    )


def test_a_crawl_without_item_pipelines_keeps_no_run_row() -> None:
    crawler = get_crawler(settings_dict={"EXTENSIONS": {RunRecord: 200}, "ITEM_PIPELINES": {}})
    assert crawler.get_extension(RunRecord) is None


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        ("finished", "finished"),
        ("closespider_itemcount", "finished"),
        ("shutdown", "interrupted"),
        ("cancelled", "failed"),
    ],
)
def test_run_status_follows_the_finish_reason(reason: str, status: str) -> None:
    assert run_status(reason) == status
