"""ValidatePipeline: each rule turns an article into a rejected page with its own reason and
stats key."""

from __future__ import annotations

import re
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from khabar_crawler.items import RejectedPage
from pipelines.validate import ValidatePipeline
from tests.helpers import golden, golden_item

BROKEN: list[tuple[str, dict[str, Any]]] = [
    ("missing_canonical_url", {"canonical_url": ""}),
    ("invalid_canonical_url", {"canonical_url": "/news/1/x/"}),
    ("missing_title", {"title": "  "}),
    ("empty_body", {"body": ""}),
    ("missing_language", {"language": ""}),
    ("invalid_language", {"language": "Arabic"}),
    ("invalid_published_at", {"published_at": "2024-07-18"}),
    ("invalid_tags", {"tags": "اليابان"}),
    ("invalid_images", {"images": [{"url": "https://khabarayn.com/a.jpg"}]}),
]


@pytest.mark.parametrize(("reason", "changes"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_item_is_rejected_with_its_reason(reason: str, changes: dict[str, Any]) -> None:
    crawler = get_crawler()
    rejected = ValidatePipeline.from_crawler(crawler).process_item(golden_item("41872", **changes))
    assert (rejected.reason, crawler.stats.get_value(f"khabar/validate/dropped/{reason}")) == (reason, 1)  # type: ignore[union-attr]


def test_rejected_page_is_the_article_url_with_every_broken_rule() -> None:
    rejected = ValidatePipeline.from_crawler(get_crawler()).process_item(
        golden_item("41872", body="", language="")
    )
    assert rejected == RejectedPage(
        golden("41872")["url"],
        "empty_body",
        "empty_body: the article body is empty; missing_language: no language",
    )


def test_warning_names_the_reason_and_the_url(caplog: pytest.LogCaptureFixture) -> None:
    ValidatePipeline.from_crawler(get_crawler()).process_item(golden_item("41872", body=""))
    assert re.search(r"empty_body: .*https://khabarayn\.com/news/41872/", caplog.text)


def test_valid_item_passes() -> None:
    item = golden_item("52306")
    assert ValidatePipeline.from_crawler(get_crawler()).process_item(item) is item


@pytest.mark.parametrize(
    "changes",
    [{"article_id": None}, {"published_at": None, "published_at_raw": "الجمعة 8 فيفري 2019"}],
    ids=["no-site-id", "no-publication-time"],
)
def test_real_article_without_id_or_time_is_kept(changes: dict[str, Any]) -> None:
    """Without the site's id an article is known by its canonical URL; without a publication
    time it is stored with the date text it showed."""
    item = golden_item("52306", **changes)
    assert ValidatePipeline.from_crawler(get_crawler()).process_item(item) is item
