"""The khabar command's errors: one line on standard error naming the bad value, exit status 2
for a bad value given on the command line and 1 for the rest, no traceback unless --debug."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from khabar_crawler.query.cli import main
from tests.helpers import golden_ids, golden_item
from tests.pipeline_run import run_pipelines


def khabar(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def verdict(result: Result) -> tuple[int, list[str], bool]:
    """Exit status, the lines of standard error, whether a traceback was printed."""
    return result.exit_code, result.stderr.splitlines(), "Traceback" in result.output


@pytest.fixture
def filled(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'khabar.db'}"
    run_pipelines(url, *(golden_item(aid) for aid in golden_ids()))
    return url


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_database_id_too_large_for_any_row(filled: str) -> None:
    line = f"khabar: error: no article '#99999999999999999999' in {filled} (database ids end at {2**63 - 1})"
    assert verdict(khabar("--database-url", filled, "show", "#99999999999999999999")) == (1, [line], False)


def test_an_article_url_that_does_not_parse(filled: str) -> None:
    line = "khabar: error: not a URL: 'http://[::1' (Invalid IPv6 URL)"
    assert verdict(khabar("--database-url", filled, "show", "http://[::1")) == (2, [line], False)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_into_a_missing_folder(filled: str, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "missing" / f"articles.{fmt}"
    line = f"khabar: error: cannot write {out}: no folder {out.parent}"
    assert verdict(khabar("--database-url", filled, "export", str(out))) == (1, [line], False)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_export_into_a_read_only_folder(filled: str, tmp_path: Path) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir(mode=0o555)
    out = folder / "articles.jsonl"
    line = f"khabar: error: cannot write {out}: folder {folder} is read-only"
    assert verdict(khabar("--database-url", filled, "export", str(out))) == (1, [line], False)


@pytest.mark.parametrize(
    ("url", "line"),
    [
        (
            "garbage",
            "khabar: error: not a database URL: 'garbage' (use sqlite:///data/khabar.db"
            " or postgresql+psycopg://user:password@host/db)",
        ),
        (
            "foo://",
            "khabar: error: 'foo://': unknown kind of database 'foo' (use sqlite:///data/khabar.db"
            " or postgresql+psycopg://user:password@host/db)",
        ),
        (
            "postgres://reader:secret@db.example/news",
            "khabar: error: 'postgres://reader:***@db.example/news': SQLAlchemy does not know"
            " postgres://; write postgresql+psycopg:// for PostgreSQL",
        ),
    ],
)
@pytest.mark.parametrize("command", [["stats"], ["db", "upgrade"]])
def test_a_bad_database_url_is_a_usage_error(url: str, line: str, command: list[str]) -> None:
    assert verdict(khabar("--database-url", url, *command)) == (2, [line], False)


def test_a_bad_database_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "garbage")
    assert verdict(khabar("stats"))[:2] == (
        2,
        [
            "khabar: error: not a database URL: 'garbage' (use sqlite:///data/khabar.db"
            " or postgresql+psycopg://user:password@host/db)"
        ],
    )


@pytest.mark.parametrize("command", [["stats"], ["db", "upgrade"]])
def test_a_file_that_is_not_a_database(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "hostname"
    path.write_text("not a database, but long enough to hold a SQLite header's worth of text\n" * 4)
    line = f"khabar: error: cannot use the database sqlite:///{path}: file is not a database"
    assert verdict(khabar("--database-url", f"sqlite:///{path}", *command)) == (1, [line], False)


def test_an_unreachable_postgresql(unused_port: int) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{unused_port}/test"
    exit_code, lines, traceback = verdict(khabar("--database-url", url, "stats"))
    assert (
        exit_code,
        len(lines),
        lines[0].startswith(f"khabar: error: cannot use the database {url}: "),
        traceback,
    ) == (
        1,
        1,
        True,
        False,
    )


def test_debug_adds_the_traceback(tmp_path: Path) -> None:
    path = tmp_path / "hostname"
    path.write_text("not a database\n" * 20)
    result = khabar("--debug", "--database-url", f"sqlite:///{path}", "stats")
    assert (result.exit_code, "Traceback" in result.stderr, result.stderr.splitlines()[-1]) == (
        1,
        True,
        f"khabar: error: cannot use the database sqlite:///{path}: file is not a database",
    )
