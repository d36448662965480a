"""The storage pipeline on SQLite and PostgreSQL: upserts, versions, aliases, rejections,
batches and their fallback, the run's row."""

from __future__ import annotations

import io
import json

import pytest
from scrapy.exporters import JsonLinesItemExporter
from sqlalchemy import select

from khabar_crawler.db.models import (
    Article,
    ArticleUrl,
    ArticleVersion,
    CrawlRun,
    NearDuplicate,
    RejectedPage,
)
from khabar_crawler.items import CRAWL_FIELDS, GOLDEN_FIELDS, ArticleItem
from khabar_crawler.items import RejectedPage as RejectedPageItem
from tests.helpers import golden, golden_ids, golden_item
from tests.pipeline_run import RUN_EXTENSIONS, PipelineRun, rows, run_pipelines, table_counts


def all_golden() -> list[object]:
    return [golden_item(aid) for aid in golden_ids()]


def test_first_run_stores_every_article(db_url: str) -> None:
    run_pipelines(db_url, *all_golden())
    counts = table_counts(db_url)
    assert (counts["articles"], counts["article_versions"], counts["images"], counts["links"]) == (
        2,
        2,
        sum(len(golden(a)["images"]) for a in golden_ids()),
        sum(len(golden(a)["see_also"]) + len(golden(a)["related"]) for a in golden_ids()),
    )


def test_stored_article_keeps_the_golden_content(db_url: str) -> None:
    run_pipelines(db_url, *all_golden())
    stored = rows(db_url, select(Article.title, Article.body, Article.category, Article.article_id))
    assert sorted(stored) == sorted(
        (golden(a)["title"], golden(a)["body"], golden(a)["category"], a) for a in golden_ids()
    )


def test_second_run_changes_no_counts(db_url: str) -> None:
    run_pipelines(db_url, *all_golden())
    before = table_counts(db_url)
    second = run_pipelines(db_url, *all_golden())
    after = table_counts(db_url)
    assert (after, second.stats["khabar/store/unchanged"]) == (
        {**before, "crawl_runs": before["crawl_runs"] + 1},
        2,
    )


def test_changed_article_gets_exactly_one_new_version(db_url: str) -> None:
    run_pipelines(db_url, *all_golden())
    changed = golden_item("41872", body=golden("41872")["body"] + "\n\nفقرة أضيفت لاحقاً.")
    changed.sections = [*changed.sections, {"heading": None, "paragraphs": ["فقرة أضيفت لاحقاً."]}]
    changed.modified_at = "2024-07-19T08:00:00+03:00"
    run_pipelines(db_url, changed)
    versions = rows(db_url, select(ArticleVersion.version, ArticleVersion.body).order_by(ArticleVersion.id))
    assert [v for v, _ in versions[2:]] == [2] and versions[2][1].endswith("فقرة أضيفت لاحقاً.")


def test_tracking_parameter_url_is_one_more_alias(db_url: str) -> None:
    run_pipelines(db_url, *all_golden())
    url = golden("41872")["url"]
    run_pipelines(db_url, golden_item("41872", fetched_url=url + "?utm_source=twitter&utm_medium=social"))
    counts = table_counts(db_url)
    aliases = rows(db_url, select(ArticleUrl.url).where(ArticleUrl.url.like("%utm_source=twitter%")))
    assert (counts["articles"], len(aliases)) == (2, 1)


def test_amp_url_is_one_more_alias(db_url: str) -> None:
    run_pipelines(db_url, *all_golden())
    before = table_counts(db_url)
    run_pipelines(db_url, golden_item("52306", fetched_url=golden("52306")["url"] + "amp/"))
    after = table_counts(db_url)
    assert (after["articles"], after["article_urls"]) == (before["articles"], before["article_urls"] + 1)


def test_same_content_under_another_url_is_an_alias(db_url: str) -> None:
    run_pipelines(db_url, *all_golden())
    copy_url = "https://khabarayn.com/news/99999/republished/"
    run = run_pipelines(
        db_url, golden_item("52306", url=copy_url, canonical_url=copy_url, article_id="99999")
    )
    kinds = rows(db_url, select(ArticleUrl.kind).where(ArticleUrl.url == copy_url))
    assert (table_counts(db_url)["articles"], kinds, run.stats["khabar/store/alias"]) == (
        2,
        [("duplicate",)],
        1,
    )


def test_near_duplicate_is_flagged_not_merged(db_url: str) -> None:
    run_pipelines(db_url, *all_golden())
    other_url = "https://khabarayn.com/news/88888/rewrite/"
    item = golden_item("41872", url=other_url, canonical_url=other_url, article_id="88888")
    item.title = item.title + " (تحديث)"
    item.sections = [dict(s) for s in item.sections]  # type: ignore[misc]
    item.sections[-1] = {"heading": item.sections[-1]["heading"], "paragraphs": ["فقرة ختامية مختلفة تماماً."]}
    run_pipelines(db_url, item)
    flagged = rows(db_url, select(NearDuplicate.similarity))
    assert table_counts(db_url)["articles"] == 3 and len(flagged) == 1 and flagged[0][0] >= 0.9


def test_empty_body_is_rejected_and_recorded(db_url: str) -> None:
    empty = golden_item("41872", body="", sections=[])
    run = run_pipelines(db_url, empty)
    rejected = rows(db_url, select(RejectedPage.url, RejectedPage.reason, RejectedPage.run_id))
    assert (table_counts(db_url)["articles"], rejected) == (
        0,
        [(golden("41872")["url"], "empty_body", run.run_id)],
    )


def test_extraction_failure_is_recorded(db_url: str) -> None:
    run = PipelineRun(db_url)
    run.feed(RejectedPageItem("https://khabarayn.com/x/", "extraction_error", "ValueError: boom"))
    run.close()
    assert rows(db_url, select(RejectedPage.reason, RejectedPage.detail)) == [
        ("extraction_error", "ValueError: boom")
    ]


def test_batches_are_written_at_close(db_url: str) -> None:
    run = PipelineRun(db_url, KHABAR_STORE_BATCH_SIZE=1000, KHABAR_STORE_FLUSH_SECONDS=3600)
    run.feed(*all_golden())
    before_close = table_counts(db_url)["articles"]
    run.close()
    assert (before_close, table_counts(db_url)["articles"]) == (0, 2)


def test_run_is_recorded_with_its_counts(db_url: str) -> None:
    run_pipelines(db_url, *all_golden(), golden_item("41872", body="", sections=[]))
    recorded = rows(
        db_url, select(CrawlRun.status, CrawlRun.finish_reason, CrawlRun.items_new, CrawlRun.items_rejected)
    )
    assert recorded == [("finished", "finished", 2, 1)]


def test_interrupted_run_is_marked(db_url: str) -> None:
    run = PipelineRun(db_url)
    run.feed(*all_golden())
    run.close(reason="shutdown")
    assert (
        rows(db_url, select(CrawlRun.status)) == [("interrupted",)] and table_counts(db_url)["articles"] == 2
    )


def test_published_time_is_stored_as_the_same_instant(db_url: str) -> None:
    run_pipelines(db_url, golden_item("41872"))
    (published,) = rows(db_url, select(Article.published_at))[0]
    assert published.isoformat() == "2024-07-18T10:40:00+00:00"


LAYERS = {"title": "site", "body": "site", "published_at": "jsonld", "category": "generic"}


def test_field_layers_are_stored_on_insert(db_url: str) -> None:
    # a new article, and in a later run a near duplicate of a stored one (flagged, with its own layers)
    other_url = "https://khabarayn.com/news/88888/rewrite/"
    flagged = golden_item("41872", url=other_url, canonical_url=other_url, article_id="88888")
    flagged.title = flagged.title + " (تحديث)"
    flagged.sections = [dict(s) for s in flagged.sections]  # type: ignore[misc]
    flagged.sections[-1] = {"heading": flagged.sections[-1]["heading"], "paragraphs": ["فقرة مختلفة تماماً."]}
    flagged.field_layers = {"body": "generic"}
    run_pipelines(db_url, golden_item("41872", field_layers=LAYERS), golden_item("52306"))
    run = run_pipelines(db_url, flagged)
    stored = rows(db_url, select(Article.article_id, Article.field_layers).order_by(Article.id))
    sql_null = rows(db_url, select(Article.article_id).where(Article.field_layers.is_(None)))
    assert (stored, sql_null, table_counts(db_url)["near_duplicates"], run.stats["khabar/store/new"]) == (
        [("41872", LAYERS), ("52306", None), ("88888", {"body": "generic"})],
        [("52306",)],  # an item without layers: SQL NULL, not JSON null
        1,
        1,
    )


def test_field_layers_follow_the_latest_reading(db_url: str) -> None:
    run_pipelines(db_url, golden_item("41872", field_layers=LAYERS))
    seen = []
    # unchanged content: the layers of the latest reading, but none recorded leaves them
    for layers in ({"body": "generic"}, {}):
        run = run_pipelines(db_url, golden_item("41872", field_layers=layers))
        seen.append((run.stats["khabar/store/unchanged"], *rows(db_url, select(Article.field_layers))))
    changed = golden_item("41872", body=golden("41872")["body"] + "\n\nفقرة أضيفت لاحقاً.")
    changed.modified_at = "2024-07-19T08:00:00+03:00"
    changed.field_layers = {"body": "generic", "title": "meta"}
    run_pipelines(db_url, changed)
    assert (seen, rows(db_url, select(Article.version, Article.field_layers))) == (
        [(1, ({"body": "generic"},)), (1, ({"body": "generic"},))],
        [(2, {"body": "generic", "title": "meta"})],
    )


def test_rejections_are_recorded_and_kept_out_of_the_feed(db_url: str) -> None:
    """An article validation turns down and a page the spider rejects: rows, not feed items."""
    run = PipelineRun(db_url)
    out = run.feed(
        golden_item("41872", body="", sections=[]),
        RejectedPageItem("https://khabarayn.com/news/1/", "bot_challenge"),
    )
    run.close()
    assert (out, rows(db_url, select(RejectedPage.reason).order_by(RejectedPage.id))) == (
        [],
        [("empty_body",), ("bot_challenge",)],
    )


def test_feed_holds_the_golden_and_crawl_fields_only(db_url: str) -> None:
    run = PipelineRun(db_url)
    (item,) = run.feed(golden_item("52306"))
    run.close()
    buffer = io.BytesIO()
    JsonLinesItemExporter(buffer).export_item(item)  # every field the item has
    assert list(json.loads(buffer.getvalue())) == [*GOLDEN_FIELDS, *CRAWL_FIELDS]


def changed_41872() -> ArticleItem:
    changed = golden_item("41872")
    changed.sections = [*changed.sections, {"heading": None, "paragraphs": ["فقرة أضيفت لاحقاً."]}]
    return changed


def test_same_url_twice_in_one_batch_is_one_article_with_two_versions(db_url: str) -> None:
    run = run_pipelines(db_url, golden_item("41872"), changed_41872())
    counts = table_counts(db_url)
    assert (counts["articles"], counts["article_versions"], run.stats["khabar/dedupe/known"]) == (1, 2, 1)


def test_same_article_id_under_another_url_in_one_batch_is_one_article(db_url: str) -> None:
    other = "https://khabarayn.com/news/41872/"
    moved = changed_41872()
    moved.url = moved.canonical_url = other
    run_pipelines(db_url, golden_item("41872"), moved)
    assert rows(db_url, select(Article.article_id, Article.canonical_url, Article.version)) == [
        ("41872", other, 2)
    ]


def test_a_failed_batch_is_written_again_item_by_item(db_url: str) -> None:
    broken = golden_item("52306")
    broken.images = [{**broken.images[0], "url": None}]  # type: ignore[typeddict-item]  # NOT NULL
    run = run_pipelines(db_url, golden_item("41872"), broken)
    assert (
        rows(db_url, select(Article.article_id)),
        rows(db_url, select(RejectedPage.url, RejectedPage.reason)),
        run.stats["khabar/store/batch_errors"],
    ) == ([("41872",)], [(golden("52306")["url"], "store_error")], 1)


@pytest.mark.parametrize("record_first", [False, True], ids=["alarms-first", "record-first"])
def test_breached_alarm_fails_the_run_whatever_the_extension_order(db_url: str, record_first: bool) -> None:
    extensions = {**RUN_EXTENSIONS, "khabar_crawler.runs.record.RunRecord": 10 if record_first else 200}
    run = PipelineRun(db_url, EXTENSIONS=extensions)
    assert run.crawler.stats is not None
    for key in ("response_received_count", "khabar/page/bot_challenge"):  # every page a challenge
        run.crawler.stats.set_value(key, 10)
    run.close()
    assert rows(db_url, select(CrawlRun.status)) == [("failed",)]


def test_batches_written_on_the_crawls_thread_store_the_same(db_url: str) -> None:
    run = run_pipelines(db_url, *all_golden(), KHABAR_STORE_IN_BACKGROUND=False, KHABAR_STORE_BATCH_SIZE=1)
    counts = table_counts(db_url)
    assert (counts["articles"], counts["article_versions"], run.stats["khabar/store/new"]) == (2, 2, 2)
    assert run.stats["khabar/store/batches"] == 2
