"""CleanPipeline through get_crawler: display text and dates."""

from __future__ import annotations

from scrapy.utils.test import get_crawler

from khabar_crawler.items import ArticleItem
from pipelines.clean import CleanPipeline
from tests.helpers import golden_item


def clean(item: ArticleItem) -> ArticleItem:
    result: ArticleItem = CleanPipeline.from_crawler(get_crawler()).process_item(item)
    return result


def test_golden_item_is_left_as_published() -> None:
    item = golden_item("52306")
    cleaned = clean(golden_item("52306"))
    assert (cleaned.title, cleaned.summary, cleaned.body, cleaned.sections, cleaned.images) == (
        item.title,
        item.summary,
        item.body,
        item.sections,
        item.images,
    )


def test_invisible_characters_and_spacing_are_removed() -> None:
    item = golden_item("41872", title="\u200fتعاون  دفاعي\u200b متقدم\n")
    assert clean(item).title == "تعاون دفاعي متقدم"


def test_placeholders_and_empty_paragraphs_leave_the_body() -> None:
    item = golden_item("41872")
    item.sections = [{"heading": "عنوان", "paragraphs": ["Loading...", "  ", "فقرة."]}]
    cleaned = clean(item)
    assert (cleaned.sections, cleaned.body) == (
        [{"heading": "عنوان", "paragraphs": ["فقرة."]}],
        "عنوان\n\nفقرة.",
    )


def test_sign_off_is_stripped_from_the_summary() -> None:
    assert clean(golden_item("41872", summary="ملخص الخبر. خبرين.")).summary == "ملخص الخبر."


def test_text_only_date_is_parsed_against_the_fetch_time() -> None:
    item = golden_item("41872", published_at=None, published_at_raw="منذ ساعتين")
    cleaned = clean(item)
    assert (cleaned.published_at, cleaned.published_at_raw) == ("2026-11-20T08:00:00+00:00", "منذ ساعتين")


def test_iso_date_keeps_its_offset_and_raw_text() -> None:
    cleaned = clean(golden_item("41872"))
    assert (cleaned.published_at, cleaned.published_at_raw) == (
        "2024-07-18T13:40:00+03:00",
        "2024-07-18T13:40:00+03:00",
    )
