"""The analyst queries of docs/schema.md run on SQLite and PostgreSQL with the same answers."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from tests.helpers import ROOT, golden_ids, golden_item
from tests.pipeline_run import rows, run_pipelines

QUERIES = re.findall(r"```sql\n(.*?)```", (ROOT / "docs" / "schema.md").read_text("utf-8"), re.S)
#: columns that depend on when the test ran, not on the data
CLOCK_COLUMNS = (3, 4)  # started_at, finished_at of query 10


def normalise(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", value):
        return value[:19]
    return value


def answers(db_url: str) -> list[list[tuple[Any, ...]]]:
    results = []
    for number, query in enumerate(QUERIES, start=1):
        result = [tuple(normalise(v) for v in row) for row in rows(db_url, text(query))]
        if number == 10:
            result = [tuple(v for i, v in enumerate(row) if i not in CLOCK_COLUMNS) for row in result]
        results.append(result)
    return results


def fill(db_url: str) -> None:
    run_pipelines(db_url, *(golden_item(aid) for aid in golden_ids()))


def test_there_are_ten_queries() -> None:
    assert len(QUERIES) == 10


def test_queries_answer_the_same_on_both_back_ends(postgres_url: str, tmp_path: Path) -> None:
    reference = f"sqlite:///{tmp_path / 'reference.db'}"
    fill(reference)
    fill(postgres_url)
    assert answers(postgres_url) == answers(reference)


def test_queries_find_the_fixture_articles(db_url: str) -> None:
    fill(db_url)
    results = answers(db_url)
    assert [len(r) for r in results] == [2, 1, 2, 5, 2, 1, 0, 19, 2, 1]
