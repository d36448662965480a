"""DedupePipeline: within a run (memory) and across runs (database)."""

from __future__ import annotations

from tests.helpers import golden, golden_item
from tests.pipeline_run import PipelineRun, run_pipelines


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
    run = PipelineRun(db_url)
    out = run.feed(
        golden_item("52306"), golden_item("52306", url=copy, canonical_url=copy, article_id="70000")
    )
    run.close()
    assert out[1].alias_of == golden("52306")["url"]


def test_memory_of_the_run_ends_with_each_stored_batch(db_url: str) -> None:
    run = PipelineRun(db_url, KHABAR_STORE_BATCH_SIZE=1)
    run.feed(golden_item("41872"), golden_item("52306"))
    dedupe = next(p for p in run.pipelines if type(p).__name__ == "DedupePipeline")
    remembered = (dedupe._urls, dedupe._ids, dedupe._hashes, dedupe._simhashes)
    run.close()
    assert remembered == ({}, {}, {}, {})


def test_same_article_after_its_batch_is_stored_is_known(db_url: str) -> None:
    run = PipelineRun(db_url, KHABAR_STORE_BATCH_SIZE=1)
    out = run.feed(golden_item("41872"), golden_item("41872"))
    run.close()
    assert (len(out), run.stats["khabar/dedupe/known"], run.stats["khabar/store/unchanged"]) == (2, 1, 1)
