"""The analysts' own tools on a crawled database, run as docs/querying.md shows them:
sqlite-utils, Datasette (with and without the project's metadata and plugin), pandas, and the
exports they read (Parquet timestamps, the CSV's byte order mark)."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.parse import quote, urlsplit
from urllib.request import urlopen

import pytest
from click.testing import CliRunner

from khabar_crawler.query.cli import main
from tests.helpers import ROOT, SNAPSHOT, run_crawl

pytestmark = pytest.mark.e2e

DOCS = ROOT / "docs" / "querying.md"
#: the article whose title has شراكة أمنية (search form شراكه امنيه); the other seed article has
#: neither word
PARTNERSHIP = "52306"
PARTNERSHIP_TITLE = "شراكة أمنية تاريخية بين اليابان والاتحاد الأوروبي"
SEARCH_COLUMNS = {"title_search", "summary_search", "body_search"}


def doc_blocks(section: str, language: str) -> list[str]:
    """The fenced ``language`` blocks of a ``## section`` of docs/querying.md."""
    text = DOCS.read_text("utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", body, flags=re.S)


def doc_commands(section: str, program: str) -> list[list[str]]:
    """The ``program`` command lines of a section's shell blocks, as argument lists."""
    lines = "\n".join(doc_blocks(section, "sh")).splitlines()
    return [shlex.split(line, comments=True) for line in lines if line.startswith(f"{program} ")]


def tool(program: str) -> str:
    """The venv's script of a tool (the test extra installs it beside this Python)."""
    return str(Path(sys.executable).with_name(program))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder laid out as the docs assume: ``data/khabar.db`` crawled from the seed
    articles, and ``articles.parquet`` exported from it."""
    root = tmp_path_factory.mktemp("analyst")
    run_crawl(root / "data", "-a", f"replay={SNAPSHOT}")
    url = f"sqlite:///{root / 'data' / 'khabar.db'}"
    exported = CliRunner().invoke(main, ["--database-url", url, "export", str(root / "articles.parquet")])
    assert exported.exit_code == 0, exported.output
    return root


@pytest.fixture(scope="module")
def database(workdir: Path) -> Path:
    return workdir / "data" / "khabar.db"


def run_documented(command: list[str], database: Path) -> subprocess.CompletedProcess[str]:
    """A documented command with the database of the test, from the repository's root."""
    args = [tool(command[0]), *(str(database) if a == "data/khabar.db" else a for a in command[1:])]
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


def article_ids(output: str) -> list[str]:
    return [row["article_id"] for row in json.loads(output)]


# --- sqlite-utils ---------------------------------------------------------------------------


@pytest.mark.parametrize("index", [0, 1], ids=["search", "query-with-functions"])
def test_documented_sqlite_utils_commands_find_the_article(database: Path, index: int) -> None:
    done = run_documented(doc_commands("sqlite-utils", "sqlite-utils")[index], database)
    assert (done.returncode, article_ids(done.stdout)) == (0, [PARTNERSHIP]), done.stderr


def test_sqlite_utils_searches_the_fts_table_itself(database: Path) -> None:
    done = subprocess.run(
        [tool("sqlite-utils"), "search", str(database), "articles_fts", "بوريل"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    rowids = [row["rowid"] for row in json.loads(done.stdout)]
    found = subprocess.run(
        [
            tool("sqlite-utils"),
            "query",
            str(database),
            "SELECT article_id FROM articles WHERE id = :id",
            "-p",
            "id",
            str(rowids[0]),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert article_ids(found.stdout) == [PARTNERSHIP]


# --- Datasette ------------------------------------------------------------------------------


def start_datasette(database: Path, *options: str) -> Iterator[str]:
    """``datasette <database> <options>`` on a free port; yields its base URL."""
    port = free_port()
    server = subprocess.Popen(
        [tool("datasette"), str(database), *options, "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urlopen(f"{base}/-/versions.json", timeout=2):
                    break
            except (URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    _, err = server.communicate(timeout=5)
                    raise AssertionError(f"datasette did not start: {err[-2000:]}") from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stderr is not None:
            server.stderr.close()


@pytest.fixture(scope="module")
def plain_datasette(database: Path) -> Iterator[str]:
    """``datasette data/khabar.db``: no metadata, no plugin."""
    yield from start_datasette(database)


@pytest.fixture(scope="module")
def project_datasette(database: Path) -> Iterator[str]:
    """Datasette as docs/querying.md starts it (the project's metadata and plugin)."""
    (command,) = doc_commands("Datasette", "datasette")
    options = [a for a in command[1:] if a != "data/khabar.db"]
    yield from start_datasette(database, *options)


def get(base: str, path: str) -> tuple[int, str]:
    parts = urlsplit(path)
    url = base + quote(parts.path) + ("?" + quote(parts.query, safe="=&") if parts.query else "")
    with urlopen(url, timeout=10) as response:
        status: int = response.status
        return status, response.read().decode("utf-8")


def get_json(base: str, path: str) -> Any:
    return json.loads(get(base, path)[1])


def test_plain_datasette_searches_articles(plain_datasette: str) -> None:
    rows = get_json(plain_datasette, "/khabar/articles.json?_search=شراكه امنيه&_shape=array&_col=article_id")
    assert [row["article_id"] for row in rows] == [PARTNERSHIP]


def test_plain_datasette_needs_the_normalised_form(plain_datasette: str) -> None:
    rows = get_json(plain_datasette, "/khabar/articles.json?_search=شراكة أمنية&_shape=array&_col=article_id")
    assert rows == []


def test_project_datasette_searches_as_people_type(project_datasette: str) -> None:
    rows = get_json(
        project_datasette, "/khabar/articles.json?_search=شراكة أمنية&_shape=array&_col=article_id"
    )
    assert [row["article_id"] for row in rows] == [PARTNERSHIP]


def test_project_datasette_canned_search_query(project_datasette: str) -> None:
    rows = get_json(project_datasette, '/khabar/search.json?q="الاتحاد الأوروبي" بوريل&_shape=array')
    assert [row["article_id"] for row in rows] == [PARTNERSHIP]


def test_project_datasette_canned_search_of_nothing_is_empty(project_datasette: str) -> None:
    assert get_json(project_datasette, "/khabar/search.json?q=&_shape=array") == []


def test_project_datasette_hides_search_columns(project_datasette: str) -> None:
    columns = get_json(project_datasette, "/khabar/articles.json?_size=1")["columns"]
    assert SEARCH_COLUMNS & set(columns) == set()


def test_project_datasette_shows_search_columns_when_asked(project_datasette: str) -> None:
    columns = get_json(project_datasette, "/khabar/articles.json?_size=1&_nocol=summary")["columns"]
    assert set(columns) >= SEARCH_COLUMNS


def test_project_datasette_shows_urls_decoded(project_datasette: str) -> None:
    _, page = get(project_datasette, f"/khabar/articles?article_id={PARTNERSHIP}")
    assert "https://khabarayn.com/news/52306/شراكة-أمنية-تاريخية-بين-اليابان-والاتحاد-الأوروبي/" in page


def test_project_datasette_hides_the_alembic_table(project_datasette: str) -> None:
    tables = get_json(project_datasette, "/khabar.json")["tables"]
    assert [t["hidden"] for t in tables if t["name"] == "alembic_version"] == [True]


def documented_pages() -> list[str]:
    (block,) = doc_blocks("Datasette", "text")
    return [
        urlsplit(line).path + ("?" + urlsplit(line).query if urlsplit(line).query else "")
        for line in block.splitlines()
    ]


@pytest.mark.parametrize("page", documented_pages())
def test_documented_datasette_pages_show_the_article(project_datasette: str, page: str) -> None:
    status, html = get(project_datasette, page)
    assert (status, PARTNERSHIP_TITLE in html) == (200, True)


# --- exports and pandas ---------------------------------------------------------------------


def test_parquet_timestamps_are_utc_timestamps(workdir: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(workdir / "articles.parquet")
    columns = ("published_at", "modified_at", "first_seen_at", "last_seen_at")
    assert {c: schema.field(c).type for c in columns} == {c: pa.timestamp("us", tz="UTC") for c in columns}


def test_excel_csv_starts_with_a_bom(workdir: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.csv"
    url = f"sqlite:///{workdir / 'data' / 'khabar.db'}"
    CliRunner().invoke(main, ["export", "--database-url", url, "--excel", str(out)], catch_exceptions=False)
    assert out.read_bytes().startswith("\ufeffarticle_id,".encode())


def test_documented_pandas_snippet_runs(workdir: Path) -> None:
    pytest.importorskip("pandas", reason="pandas comes with the test and analysis extras")
    (snippet,) = doc_blocks("pandas and SQLAlchemy", "python")
    check = (
        "\nprint(len(overview), len(hits), str(articles['published_at'].dtype), list(latest['title'])[-1])"
    )
    done = subprocess.run(
        [sys.executable, "-c", snippet + check],
        cwd=workdir,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout.strip()) == (0, f"2 2 datetime64[us, UTC] {PARTNERSHIP_TITLE}"), (
        done.stderr
    )
