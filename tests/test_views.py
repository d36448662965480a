"""Analyst views: one row per article with tags and counts flattened; counts per day."""

from __future__ import annotations

from sqlalchemy import text

from tests.helpers import golden, golden_ids, golden_item
from tests.pipeline_run import rows, run_pipelines


def test_article_overview(db_url: str) -> None:
    run_pipelines(db_url, *(golden_item(aid) for aid in golden_ids()))
    found = rows(
        db_url,
        text(
            "SELECT article_id, tags, images, see_also_links, related_links, urls, versions"
            " FROM article_overview"
            " ORDER BY article_id"
        ),
    )
    expected = [
        (
            aid,
            ", ".join(golden(aid)["tags"]),
            len(golden(aid)["images"]),
            len(golden(aid)["see_also"]),
            len(golden(aid)["related"]),
            1,
            1,
        )
        for aid in golden_ids()
    ]
    assert [tuple(r) for r in found] == expected


def test_daily_category_counts(db_url: str) -> None:
    run_pipelines(db_url, *(golden_item(aid) for aid in golden_ids()))
    found = rows(db_url, text("SELECT day, category, articles FROM daily_category_counts ORDER BY day"))
    assert [(str(day)[:10], category, n) for day, category, n in found] == [
        ("2024-07-18", "آسيا", 1),
        ("2024-11-01", "آسيا", 1),
    ]
