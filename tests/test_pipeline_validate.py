"""ValidatePipeline: each rule drops with its own reason and stats key."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from pipelines.validate import InvalidItem, ValidatePipeline
from tests.helpers import golden_item

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
def test_broken_item_is_dropped_with_its_reason(reason: str, changes: dict[str, Any]) -> None:
    crawler = get_crawler()
    with pytest.raises(InvalidItem) as raised:
        ValidatePipeline.from_crawler(crawler).process_item(golden_item("41872", **changes))
    assert (raised.value.reason, crawler.stats.get_value(f"khabar/validate/dropped/{reason}")) == (reason, 1)  # type: ignore[union-attr]


def test_message_names_the_url() -> None:
    with pytest.raises(InvalidItem, match=r"empty_body: .*https://khabarayn\.com/news/41872/"):
        ValidatePipeline.from_crawler(get_crawler()).process_item(golden_item("41872", body=""))


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
