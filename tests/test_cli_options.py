"""The khabar command's papercuts: --database-url before or after the command's name, an
article's URL without its trailing slash, CSV for Excel."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner, Result

from khabar_crawler.query.cli import main
from tests.helpers import golden, golden_ids, golden_item
from tests.pipeline_run import run_pipelines

#: the seed article 41872's URL as a reader copies it: decoded, without its trailing slash
TITLE_SLUG = "تعاون-دفاعي-متقدم-بين-اليابان-وكوريا-الجنوبية"
URL_WITHOUT_SLASH = f"https://khabarayn.com/news/41872/{TITLE_SLUG}"


def khabar(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def filled(db_url: str) -> str:
    run_pipelines(db_url, *(golden_item(aid) for aid in golden_ids()))
    return db_url


def test_database_url_after_the_command(filled: str) -> None:
    result = khabar("stats", "--database-url", filled, "--json")
    assert (result.exit_code, json.loads(result.output)["articles"]) == (0, 2)


def test_database_url_before_the_command(filled: str) -> None:
    result = khabar("--database-url", filled, "stats", "--json")
    assert (result.exit_code, json.loads(result.output)["articles"]) == (0, 2)


def test_database_url_after_wins(filled: str, tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'missing.db'}"
    result = khabar("--database-url", missing, "stats", "--database-url", filled, "--json")
    assert (result.exit_code, json.loads(result.output)["articles"]) == (0, 2)


@pytest.mark.parametrize(
    "args",
    [
        ("search", "اليابان", "--json"),
        ("show", "41872", "--json"),
        ("db", "check", "--json"),
    ],
    ids=["search", "show", "db-check"],
)
def test_every_command_takes_database_url(filled: str, args: tuple[str, ...]) -> None:
    result = khabar(*args, "--database-url", filled)
    assert result.exit_code == 0, result.output


def test_db_upgrade_takes_database_url_after(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = khabar("db", "upgrade", "--database-url", url, "--json")
    assert (result.exit_code, (tmp_path / "new.db").is_file()) == (0, True)


def test_bad_database_url_after_the_command_is_a_usage_error() -> None:
    result = khabar("stats", "--database-url", "nope://x")
    assert (result.exit_code, result.output.startswith("khabar: error: 'nope://x'")) == (2, True)


@pytest.mark.parametrize(
    "url",
    [
        URL_WITHOUT_SLASH,
        f"https://khabarayn.com/news/41872/{quote(TITLE_SLUG)}",
        f"{URL_WITHOUT_SLASH}?utm_source=x#top",
        f"{URL_WITHOUT_SLASH}/",
    ],
    ids=["decoded", "encoded", "tracking", "with-slash"],
)
def test_show_finds_an_article_url_without_its_trailing_slash(filled: str, url: str) -> None:
    result = khabar("--database-url", filled, "show", url, "--json")
    assert (result.exit_code, json.loads(result.output)["article_id"]) == (0, "41872")


def test_show_unknown_url_without_slash(filled: str) -> None:
    result = khabar("--database-url", filled, "show", "https://khabarayn.com/news/99999/x")
    assert (result.exit_code, "no article" in result.output) == (1, True)


def test_excel_csv_has_a_bom(filled: str, tmp_path: Path) -> None:
    out = tmp_path / "articles.csv"
    khabar("--database-url", filled, "export", "--excel", str(out))
    assert out.read_bytes().startswith("\ufeffarticle_id,".encode())


def test_plain_csv_has_no_bom(filled: str, tmp_path: Path) -> None:
    out = tmp_path / "articles.csv"
    khabar("--database-url", filled, "export", str(out))
    assert out.read_bytes().startswith(b"article_id,")


def test_excel_is_for_csv_only(filled: str, tmp_path: Path) -> None:
    result = khabar("--database-url", filled, "export", "--excel", str(tmp_path / "articles.jsonl"))
    assert (result.exit_code, "--excel is for CSV" in result.output) == (2, True)


def test_parquet_timestamps_are_utc(filled: str, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    out = tmp_path / "articles.parquet"
    khabar("--database-url", filled, "export", str(out))
    published = pq.read_table(out).column("published_at").to_pylist()
    expected = [datetime.fromisoformat(golden(aid)["published_at"]).astimezone(UTC) for aid in golden_ids()]
    assert (sorted(published), {p.utcoffset() for p in published}) == (sorted(expected), {timedelta(0)})
