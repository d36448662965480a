"""``scrapy crawl`` that cannot start: one ERROR line naming the bad value, exit status 1, no
traceback (``LOG_LEVEL=DEBUG`` adds it)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.helpers import crawl_process

pytestmark = pytest.mark.e2e

PREFIX = "[khabar_crawler.runs.commands.crawl] ERROR: The crawl could not run: "


def crawl(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return crawl_process(
        tmp_path, *args, settings={"KHABARAYN_BASE_URL": "http://127.0.0.1:9", **settings}, timeout=120
    )


def verdict(done: subprocess.CompletedProcess[str]) -> tuple[int, list[str], bool]:
    """Exit status, what follows the prefix on each ERROR line, whether a traceback was printed."""
    errors = [line.split(PREFIX, 1)[-1] for line in done.stderr.splitlines() if " ERROR: " in line]
    return done.returncode, errors, "Traceback" in done.stderr


@pytest.fixture
def broken_snapshot(tmp_path: Path) -> Path:
    root = tmp_path / "snapshot"
    root.mkdir()
    (root / "manifest.json").write_text('[\n  {"url": "https://khabarayn.com/"},\n  {oops}\n]\n', "utf-8")
    return root


def broken_line(root: Path) -> str:
    reason = "not valid JSON (Expecting property name enclosed in double quotes)"
    return f"{root / 'manifest.json'}: line 3 column 4: {reason}"


def test_recording_over_a_broken_manifest(tmp_path: Path, broken_snapshot: Path) -> None:
    done = crawl(tmp_path, "-a", f"record={broken_snapshot}")
    assert verdict(done) == (1, [broken_line(broken_snapshot)], False)


def test_replaying_a_broken_manifest(tmp_path: Path, broken_snapshot: Path) -> None:
    done = crawl(tmp_path, "-a", f"replay={broken_snapshot}")
    assert verdict(done) == (1, [broken_line(broken_snapshot)], False)


def test_replaying_a_missing_directory(tmp_path: Path) -> None:
    done = crawl(tmp_path, "-a", f"replay={tmp_path / 'none'}")
    assert verdict(done) == (1, [f"no manifest.json in snapshot directory {tmp_path / 'none'}"], False)


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("-a", "repaly=fixtures/khabarayn"),
            "unknown spider argument 'repaly'"
            " (the khabarayn spider takes -a full=..., -a record=..., -a replay=...)",
        ),
        (("-a", "full=maybe"), "-a full='maybe': say 1 (a full recrawl) or 0"),
        (("-a", "replay=a", "-a", "record=b"), "-a replay and -a record cannot be used together"),
    ],
)
def test_a_bad_spider_argument(tmp_path: Path, args: tuple[str, ...], line: str) -> None:
    assert verdict(crawl(tmp_path, *args)) == (1, [line], False)


@pytest.mark.parametrize(
    ("url", "line"),
    [
        (
            "garbage",
            "not a database URL: 'garbage' (use sqlite:///data/khabar.db or postgresql+psycopg://user:password@host/db)",
        ),
        (
            "postgres://reader:secret@127.0.0.1/news",
            "'postgres://reader:***@127.0.0.1/news': SQLAlchemy does not know postgres://;"
            " write postgresql+psycopg:// for PostgreSQL",
        ),
    ],
)
def test_a_bad_database_url(tmp_path: Path, url: str, line: str) -> None:
    done = crawl(tmp_path, "-a", "replay=fixtures/khabarayn", DATABASE_URL=url)
    assert verdict(done) == (1, [line], False)


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "hostname"
    path.write_text("not a database\n" * 20)
    done = crawl(tmp_path, "-a", "replay=fixtures/khabarayn", DATABASE_URL=f"sqlite:///{path}")
    assert verdict(done) == (1, [f"cannot use the database sqlite:///{path}: file is not a database"], False)


def test_debug_adds_the_traceback(tmp_path: Path) -> None:
    done = crawl(tmp_path, "-a", f"replay={tmp_path / 'none'}", LOG_LEVEL="DEBUG")
    assert verdict(done)[::2] == (1, True)
