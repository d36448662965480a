"""The khabar command: stats, search, show, export, db — on both back ends, and bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from khabar_crawler.db.migrate import head_revision, upgrade
from khabar_crawler.query.cli import main
from khabar_crawler.query.export import COLUMNS, JSON_COLUMNS
from tests.helpers import golden, golden_ids, golden_item
from tests.pipeline_run import run_pipelines

#: fields of an article as the page shows them, compared with its golden file
PAGE_FIELDS = ("title", "summary", "category", "tags", "authors", "body", "images", "see_also", "related")


def khabar(db_url: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["--database-url", db_url, *args], catch_exceptions=False)


@pytest.fixture
def filled(db_url: str) -> str:
    run_pipelines(db_url, *(golden_item(aid) for aid in golden_ids()))
    return db_url


def test_stats(filled: str) -> None:
    data = json.loads(khabar(filled, "stats", "--json").output)
    assert (data["articles"], data["versions"], data["per_category"], len(data["runs"])) == (
        2,
        2,
        [{"category": "آسيا", "articles": 2}],
        1,
    )


def test_stats_table(filled: str) -> None:
    result = khabar(filled, "stats")
    assert result.exit_code == 0 and "آسيا" in result.output


def test_search_json(filled: str) -> None:
    data = json.loads(khabar(filled, "search", "الأوروبي", "--json").output)
    assert [hit["article_id"] for hit in data["hits"]][:1] == ["52306"] and "<mark>" in data["hits"][0][
        "snippet"
    ]


def test_search_rank_all(filled: str) -> None:
    data = json.loads(khabar(filled, "search", "اليابان", "--rank-all", "--json").output)
    assert {hit["article_id"] for hit in data["hits"]} == {"41872", "52306"}


def test_search_table(filled: str) -> None:
    result = khabar(filled, "search", "يوشيدا")
    assert (result.exit_code, "1 hit(s) for «يوشيدا»" in result.output) == (0, True)


def test_search_table_shows_brackets_in_the_text_as_they_are(db_url: str) -> None:
    """Text that looks like rich markup ([red], [/]) is printed, not read as markup."""
    body = "قال الوزير [red]يوشيدا[/red] إن [1] المرجع"
    run_pipelines(db_url, golden_item("41872", body=body, sections=[{"heading": None, "paragraphs": [body]}]))
    result = CliRunner(env={"COLUMNS": "300"}).invoke(main, ["--database-url", db_url, "search", "المرجع"])
    assert (result.exit_code, "[red]يوشيدا[/red] إن [1] المرجع" in result.output) == (0, True)


def test_search_empty_query_is_a_usage_error(filled: str) -> None:
    result = khabar(filled, "search", "  ")
    assert (result.exit_code, "nothing to search for" in result.output) == (2, True)


def test_search_bad_date(filled: str) -> None:
    result = khabar(filled, "search", "اليابان", "--since", "yesterday")
    assert (result.exit_code, "not a date" in result.output) == (2, True)


@pytest.mark.parametrize("key", ["41872", "golden-url", "raw-url"])
def test_show_by_id_or_url(filled: str, key: str) -> None:
    url = golden("41872")["url"]
    raw = "https://khabarayn.com/news/41872/تعاون-دفاعي-متقدم-بين-اليابان-وكوريا-الجنوبية/?utm_source=x"
    argument = {"41872": "41872", "golden-url": url, "raw-url": raw}[key]
    doc = json.loads(khabar(filled, "show", argument, "--json").output)
    fields = (*PAGE_FIELDS, "sections")
    assert {f: doc[f] for f in fields} == {f: golden("41872")[f] for f in fields}


def test_show_names_the_layer_of_each_field(db_url: str) -> None:
    layers = {"body": "site", "published_at": "jsonld"}
    run_pipelines(db_url, golden_item("41872", field_layers=layers), golden_item("52306"))
    shown = {aid: json.loads(khabar(db_url, "show", aid, "--json").output) for aid in ("41872", "52306")}
    table = khabar(db_url, "show", "41872").output
    assert (
        shown["41872"]["field_layers"],
        shown["52306"]["field_layers"],
        "body: site, published_at: jsonld" in table,
    ) == (layers, {}, True)


def test_show_unknown_article(filled: str) -> None:
    result = khabar(filled, "show", "123456")
    assert (result.exit_code, "no article '123456'" in result.output) == (1, True)


def exported(db_url: str, tmp_path: Path, fmt: str) -> list[dict[str, Any]]:
    out = tmp_path / f"articles.{fmt}"
    result = khabar(db_url, "export", str(out), "--format", fmt, "--json")
    assert json.loads(result.output)["articles"] == 2
    if fmt == "jsonl":
        return [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    if fmt == "csv":
        with out.open(encoding="utf-8", newline="") as handle:
            return [
                {k: json.loads(v) if k in JSON_COLUMNS else v for k, v in row.items()}
                for row in csv.DictReader(handle)
            ]
    import pyarrow.parquet as pq

    return list(pq.read_table(out).to_pylist())


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_round_trips(filled: str, tmp_path: Path, fmt: str) -> None:
    rows = {row["article_id"]: row for row in exported(filled, tmp_path, fmt)}
    fields = ("canonical_url", *PAGE_FIELDS)
    assert (len(rows), {aid: {f: rows[aid][f] for f in fields} for aid in rows}) == (
        2,
        {aid: {f: golden(aid)[f] for f in fields} for aid in golden_ids()},
    )


def test_export_columns_are_stable(filled: str, tmp_path: Path) -> None:
    assert tuple(exported(filled, tmp_path, "csv")[0]) == COLUMNS


def test_export_since_filters(filled: str, tmp_path: Path) -> None:
    out = tmp_path / "recent.jsonl"
    khabar(filled, "export", str(out), "--since", "2024-10-01")
    assert [json.loads(line)["article_id"] for line in out.read_text("utf-8").splitlines()] == ["52306"]


def test_db_check_passes(filled: str) -> None:
    result = khabar(filled, "db", "check", "--json")
    assert (result.exit_code, json.loads(result.output)["problems"]) == (0, [])


def test_db_check_finds_a_broken_history(filled: str) -> None:
    engine = create_engine(filled)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM article_versions WHERE version = 1 AND article_pk = 1"))
    engine.dispose()
    result = khabar(filled, "db", "check")
    assert (result.exit_code, "versions do not match" in result.output) == (1, True)


def test_rebuild_search_recomputes_older_profiles(filled: str) -> None:
    engine = create_engine(filled)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE articles SET search_profile = 'ar-v0', title_search = 'x' WHERE id = 1")
        )
    engine.dispose()
    data = json.loads(khabar(filled, "db", "rebuild-search", "--json").output)
    hits = json.loads(khabar(filled, "search", "تعاون دفاعي متقدم", "--json").output)["hits"]
    assert (data["recomputed"], [h["article_id"] for h in hits]) == (1, ["41872"])


def test_rebuild_search_all_recomputes_every_article(filled: str) -> None:
    data = json.loads(khabar(filled, "db", "rebuild-search", "--all", "--json").output)
    assert (data["recomputed"], data["indexed"]) == (2, 2)


def test_missing_database_says_so(tmp_path: Path) -> None:
    result = khabar(f"sqlite:///{tmp_path / 'none.db'}", "stats")
    assert (result.exit_code, "no database at" in result.output) == (1, True)


def test_empty_database_says_how_to_start(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    result = khabar(f"sqlite:///{path}", "search", "اليابان")
    assert (result.exit_code, "khabar db upgrade" in result.output) == (1, True)


def test_older_schema_names_the_upgrade(db_url: str) -> None:
    engine = create_engine(db_url)
    upgrade(engine, "0001")
    engine.dispose()
    result = khabar(db_url, "stats")
    assert (result.exit_code, "run `khabar db upgrade`" in result.output) == (1, True)


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert json.loads(khabar(url, "db", "upgrade", "--json").output)["revision"] == head_revision()
