"""Duplicates within a run (decided in the store's batch) and across runs (the database), and
dedupe's fingerprints."""

from __future__ import annotations

from sqlalchemy import select

from khabar_crawler.db.models import ArticleUrl
from khabar_crawler.text.normalize import index_form
from pipelines.dedupe import fingerprint
from tests.helpers import golden, golden_item
from tests.pipeline_run import PipelineRun, rows, run_pipelines, table_counts


def test_same_article_twice_in_a_run_is_dropped_once(db_url: str) -> None:
    run = PipelineRun(db_url)
    out = run.feed(
        golden_item("41872"), golden_item("41872", fetched_url=golden("41872")["url"] + "?utm_source=x")
    )
    run.close()
    assert (len(out), run.stats["khabar/dedupe/duplicate_in_run"]) == (1, 1)


def test_same_article_id_under_another_url_in_a_run_is_dropped(db_url: str) -> None:
    run = PipelineRun(db_url)
    other = "https://khabarayn.com/news/41872/"
    out = run.feed(golden_item("41872"), golden_item("41872", url=other, canonical_url=other))
    run.close()
    assert len(out) == 1


def test_known_article_passes_to_the_store(db_url: str) -> None:
    run_pipelines(db_url, golden_item("41872"))
    second = run_pipelines(db_url, golden_item("41872"))
    assert (second.stats["khabar/dedupe/known"], second.stats.get("khabar/dedupe/new")) == (1, None)


def test_content_alias_within_one_run(db_url: str) -> None:
    copy = "https://khabarayn.com/news/70000/copy/"
    run = run_pipelines(
        db_url, golden_item("52306"), golden_item("52306", url=copy, canonical_url=copy, article_id="70000")
    )
    kinds = rows(db_url, select(ArticleUrl.kind).where(ArticleUrl.url == copy))
    assert (table_counts(db_url)["articles"], kinds, run.stats["khabar/dedupe/alias"]) == (
        1,
        [("duplicate",)],
        1,
    )


def test_content_alias_of_an_article_stored_earlier_in_the_run(db_url: str) -> None:
    """Once its batch is written, the database answers for an article."""
    copy = "https://khabarayn.com/news/70000/copy/"
    run = run_pipelines(
        db_url,
        golden_item("52306"),
        golden_item("52306", url=copy, canonical_url=copy, article_id="70000"),
        KHABAR_STORE_BATCH_SIZE=1,
    )
    assert (table_counts(db_url)["articles"], run.stats["khabar/dedupe/alias"]) == (1, 1)


def test_same_article_after_its_batch_is_stored_is_known(db_url: str) -> None:
    run = PipelineRun(db_url, KHABAR_STORE_BATCH_SIZE=1)
    out = run.feed(golden_item("41872"), golden_item("41872"))
    run.close()
    assert (len(out), run.stats["khabar/dedupe/known"], run.stats["khabar/store/unchanged"]) == (2, 1, 1)


def test_search_forms_are_derived_from_the_display_text() -> None:
    item = golden_item("52306")
    fingerprint(item)
    assert (item.title, item.pipeline.search["title_search"], item.pipeline.search["search_profile"]) == (
        "شراكة أمنية تاريخية بين اليابان والاتحاد الأوروبي",
        index_form("شراكة أمنية تاريخية بين اليابان والاتحاد الأوروبي"),
        "ar-v2",
    )
