"""A batch costs PostgreSQL a bounded number of statements, whatever its size: one query a
batch for each lookup (stored articles, SimHash bands, URLs, tags), one statement a table for
its writes, one connection checked out (counted with SQLAlchemy's ``before_cursor_execute``
event; an ``executemany`` counts once: psycopg sends it in one pipeline, and SQLAlchemy's
"insertmanyvalues" makes an INSERT .. RETURNING of many rows one statement). (SQLite, in the
process, has no round trips to save: there SQLAlchemy inserts a row at a time what it needs
the ids of.)"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import event

from khabar_crawler.db.database import get_database
from khabar_crawler.items import ArticleItem
from pipelines.store import StorePipeline
from tests.helpers import golden, golden_item
from tests.pipeline_run import PipelineRun

SIZES = (10, 40)


def articles(count: int, change: str = "") -> list[ArticleItem]:
    """``count`` distinct articles (their own URL, id, words and one tag of their own), each
    with its content changed by ``change``."""
    base = golden("41872")
    items = []
    for i in range(count):
        url = base["url"].replace("41872", f"9{i:04d}")
        text = " ".join(f"كلمة{(i * 7 + j) % 97}و{i}" for j in range(40)) + change
        items.append(
            golden_item(
                "41872",
                url=url,
                canonical_url=url,
                fetched_url=url,
                article_id=f"9{i:04d}",
                title=f"{base['title']} {i}{change}",
                body=text,
                sections=[{"heading": None, "paragraphs": [text]}],
                modified_at="2024-07-19T08:00:00+03:00" if change else base["modified_at"],
                tags=[*base["tags"], f"وسم{i}"],
            )
        )
    return items


def one_batch(db_url: str, items: list[ArticleItem]) -> tuple[Counter[str], int, dict[str, Any]]:
    """The statements (by their first words) and pool checkouts of writing ``items`` as one
    batch; the run's stats."""
    run = PipelineRun(db_url, KHABAR_STORE_BATCH_SIZE=len(items))
    engine = get_database(run.crawler).engine
    statements: Counter[str] = Counter()
    checkouts: list[object] = []

    def counted(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements[" ".join(statement.split()[:2])] += 1

    def checkout(*_args: Any) -> None:
        checkouts.append(None)

    event.listen(engine, "before_cursor_execute", counted)
    event.listen(engine.pool, "checkout", checkout)
    try:
        run.feed(*items)  # the last item fills the batch
        store = next(p for p in run.pipelines if isinstance(p, StorePipeline))
        store.settle()
    finally:
        event.remove(engine, "before_cursor_execute", counted)
        event.remove(engine.pool, "checkout", checkout)
    run.close()
    return statements, len(checkouts), run.stats


@pytest.mark.parametrize("size", SIZES)
def test_a_batch_of_new_articles_costs_one_statement_a_lookup_and_a_table(
    postgres_url: str, size: int
) -> None:
    statements, checkouts, stats = one_batch(postgres_url, articles(size))
    assert stats["khabar/store/new"] == size
    # articles (the batch's URLs, ids, hashes), bands, URL rows, tags; then one insert a
    # table: articles, tags, versions, article tags, links, URLs (no images in the golden
    # article, no near duplicates here)
    assert (statements["SELECT articles.id,"], statements["SELECT articles.canonical_url,"]) == (1, 1)
    assert (sum(statements.values()), checkouts) == (10, 1), statements


@pytest.mark.parametrize("size", SIZES)
def test_a_batch_of_unchanged_articles_costs_a_few_statements(postgres_url: str, size: int) -> None:
    one_batch(postgres_url, articles(size))
    statements, checkouts, stats = one_batch(postgres_url, articles(size))
    assert stats["khabar/store/unchanged"] == size
    # the four lookups; the articles' and their URLs' last-seen times
    assert (sum(statements.values()), checkouts) == (6, 1), statements


@pytest.mark.parametrize("size", SIZES)
def test_a_batch_of_changed_articles_costs_one_statement_a_table(postgres_url: str, size: int) -> None:
    one_batch(postgres_url, articles(size))
    statements, checkouts, stats = one_batch(postgres_url, articles(size, change=" تغيير"))
    assert stats["khabar/store/updated"] == size
    # the four lookups; the articles' rows (one executemany), their URLs' last-seen times;
    # tags, images and links deleted, one statement each; the new versions, tags and links
    assert (sum(statements.values()), checkouts) == (12, 1), statements
