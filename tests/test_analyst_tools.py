"""The analysts' own tools on a crawled database, run as docs/querying.md shows them:
sqlite-utils, Datasette (with and without the project's metadata and plugin), ``khabar ui``
(its commands, pages, facets, canned queries and errors; tests/test_ui_browser.py drives it
in a browser), pandas, and the exports they read (Parquet timestamps, the CSV's byte order
mark)."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlsplit
from urllib.request import urlopen

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine

from khabar_crawler.db.migrate import upgrade
from khabar_crawler.query.cli import main
from khabar_crawler.ui.chart import render_chart
from khabar_crawler.ui.metadata import metadata
from khabar_crawler.ui.pages import highlighted
from khabar_crawler.ui.queries import ANALYST_QUERIES
from khabar_crawler.ui.store import MARKS
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


def serve(
    command: list[str], port: int, *, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> Iterator[str]:
    """A server started by ``command``, once it answers on ``port``; yields its base URL and
    stops it (that process only) afterwards."""
    server = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
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
                    server.kill()
                    _, err = server.communicate(timeout=5)
                    raise AssertionError(f"{shlex.join(command)} did not start: {err[-2000:]}") from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        if server.stderr is not None:
            server.stderr.close()


def start_datasette(database: Path, *options: str) -> Iterator[str]:
    """``datasette <database> <options>`` on a free port; yields its base URL."""
    port = free_port()
    yield from serve(
        [tool("datasette"), str(database), *options, "--host", "127.0.0.1", "--port", str(port)], port
    )


def serve_khabar_ui(
    args: list[str], port: int, *, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> Iterator[str]:
    """``khabar <args>`` (a ``khabar ui`` command line) once it answers on ``port``."""
    yield from serve([tool("khabar"), *args], port, cwd=cwd, env=env)


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
    try:
        with urlopen(url, timeout=10) as response:
            status: int = response.status
            return status, response.read().decode("utf-8")
    except HTTPError as error:  # a 4xx or 5xx page: its status and body
        return error.code, error.read().decode("utf-8")


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


# --- khabar ui ------------------------------------------------------------------------------

UI_SECTION = "The web page (`khabar ui`)"
SCHEMA = ROOT / "docs" / "schema.md"
#: the values docs/schema.md writes into its analyst queries, as the canned queries' parameters
QUERY_PARAMETERS = {
    "articles_with_tag": {"tag": "اليابان"},
    "articles_mentioning": {"words": "الاتحاد الاوروبي"},
}


def port_of(command: list[str]) -> int:
    """The port a documented ``khabar ui`` command line listens on."""
    return int(command[command.index("--port") + 1]) if "--port" in command else 8001


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.mark.parametrize("index", [0, 1, 2], ids=["default", "port-and-open", "database-url"])
def test_documented_khabar_ui_commands_serve_the_search_page(workdir: Path, index: int) -> None:
    """Each command as written, from a folder holding data/khabar.db (``--open`` runs the
    $BROWSER command, here ``true``); on a busy port, another port given after it."""
    command = doc_commands(UI_SECTION, "khabar")[index]
    port = port_of(command)
    args = command[1:] if port_is_free(port) else [*command[1:], "--port", str(port := free_port())]
    for base in serve_khabar_ui(args, port, cwd=workdir, env={"BROWSER": "true"}):
        status, _ = get(base, "/-/search?q=بوريل")
        assert status == 200


@pytest.fixture(scope="module")
def khabar_ui(workdir: Path) -> Iterator[str]:
    """``khabar ui`` on a free port, from a folder holding data/khabar.db."""
    port = free_port()
    yield from serve_khabar_ui(["ui", "--port", str(port)], port, cwd=workdir)


def documented_ui_pages() -> list[str]:
    (block,) = doc_blocks(UI_SECTION, "text")
    return [
        urlsplit(line).path + ("?" + urlsplit(line).query if urlsplit(line).query else "")
        for line in block.splitlines()
    ]


@pytest.mark.parametrize("page", documented_ui_pages())
def test_documented_ui_pages_show_the_article(khabar_ui: str, page: str) -> None:
    status, html = get(khabar_ui, page)
    assert (status, PARTNERSHIP_TITLE in html) == (200, True)


def search_hits(html: str) -> list[str]:
    return re.findall(r'<li class="hit" data-article-id="([^"]*)"', html)


def test_ui_search_page_finds_a_prefixed_word(khabar_ui: str) -> None:
    _, html = get(khabar_ui, "/-/search?q=وبوريل")
    assert search_hits(html) == [PARTNERSHIP]


def test_ui_search_page_filters_by_date(khabar_ui: str) -> None:
    _, html = get(khabar_ui, "/-/search?q=اليابان&until=2024-08-01")
    assert search_hits(html) == ["41872"]


def test_ui_search_page_filters_by_tag(khabar_ui: str) -> None:
    _, html = get(khabar_ui, "/-/search?q=اليابان&tag=الاتحاد الأوروبي")
    assert search_hits(html) == [PARTNERSHIP]


def test_ui_search_page_filters_by_category_slug_and_author(khabar_ui: str) -> None:
    _, html = get(khabar_ui, "/-/search?q=اليابان OR بوريل&category=asia&author=خبرين")
    assert sorted(search_hits(html)) == ["41872", PARTNERSHIP]


def test_ui_search_page_shows_a_filter_naming_nothing_as_a_message(khabar_ui: str) -> None:
    status, html = get(khabar_ui, "/-/search?q=اليابان&category=اوروبا")
    assert (status, "no category" in html) == (400, True)


def test_ui_search_page_shows_a_bad_query_as_a_message(khabar_ui: str) -> None:
    status, html = get(khabar_ui, "/-/search?q=...")
    assert (status, "nothing to search for" in html) == (400, True)


def test_ui_search_page_shows_a_bad_date_as_a_message(khabar_ui: str) -> None:
    status, html = get(khabar_ui, "/-/search?q=اليابان&since=yesterday")
    assert (status, "yesterday" in html) == (400, True)


def test_ui_article_page_reads_right_to_left(khabar_ui: str, database: Path) -> None:
    with sqlite3.connect(database) as connection:
        (pk,) = connection.execute("SELECT id FROM articles WHERE article_id = ?", (PARTNERSHIP,)).fetchone()
    _, html = get(khabar_ui, f"/-/article/{pk}")
    assert f'<article lang="ar" dir="rtl">\n<h1>{PARTNERSHIP_TITLE}</h1>' in html


def test_ui_unknown_article_is_not_found(khabar_ui: str) -> None:
    status, _ = get(khabar_ui, "/-/article/999999")
    assert status == 404


def test_ui_titles_link_to_the_article_pages(khabar_ui: str, database: Path) -> None:
    with sqlite3.connect(database) as connection:
        (pk,) = connection.execute("SELECT id FROM articles WHERE article_id = ?", (PARTNERSHIP,)).fetchone()
    _, html = get(khabar_ui, f"/khabar/articles?article_id={PARTNERSHIP}")
    assert f'<a href="/-/article/{pk}" dir="auto">{PARTNERSHIP_TITLE}</a>' in html


def test_ui_chart_has_one_series_a_category(khabar_ui: str) -> None:
    _, html = get(khabar_ui, "/-/chart")
    assert re.findall(r'<g class="series" data-category="([^"]*)"', html) == ["آسيا"]


def facet(base: str, path: str, name: str) -> dict[str, int]:
    results = get_json(base, path)["facet_results"][name]["results"]
    return {row["value"]: row["count"] for row in results}


def test_ui_articles_have_a_category_facet(khabar_ui: str) -> None:
    assert facet(khabar_ui, "/khabar/articles.json?_size=0", "category") == {"آسيا": 2}


def test_ui_articles_have_a_day_facet(khabar_ui: str) -> None:
    assert facet(khabar_ui, "/khabar/articles.json?_size=0", "published_at") == {
        "2024-07-18": 1,
        "2024-11-01": 1,
    }


def test_ui_articles_have_a_tag_facet(khabar_ui: str) -> None:
    assert facet(khabar_ui, "/khabar/articles.json?_size=0", "tags") == {
        "اليابان": 2,
        "كوريا الجنوبية": 1,
        "التحالفات": 1,
        "الاتحاد الأوروبي": 1,
        "الأمن والدفاع": 1,
    }


def test_ui_tag_filter_matches_any_spelling(khabar_ui: str) -> None:
    rows = get_json(khabar_ui, "/khabar/articles.json?_tag=الاتحاد الاوروبي&_shape=array&_col=article_id")
    assert [row["article_id"] for row in rows] == [PARTNERSHIP]


def schema_queries() -> list[tuple[str, str]]:
    """(title, SQL) of each example analyst query of docs/schema.md, in order."""
    text = SCHEMA.read_text("utf-8").split("\n## Example analyst queries\n", 1)[1]
    return re.findall(r"\n### \d+\. (.+?)\n\n```sql\n(.*?);?\n```", text, flags=re.S)


def test_ui_canned_queries_are_the_schema_queries(khabar_ui: str) -> None:
    queries = get_json(khabar_ui, "/khabar.json")["queries"]
    assert [q["title"] for q in queries if q["name"] != "search"] == [title for title, _ in schema_queries()]


@pytest.mark.parametrize("number", range(1, 11))
def test_ui_canned_query_answers_as_the_schema_query(khabar_ui: str, database: Path, number: int) -> None:
    name = ANALYST_QUERIES[number - 1][0]
    _, sql = schema_queries()[number - 1]
    with sqlite3.connect(database) as connection:
        expected = [list(row) for row in connection.execute(sql)]
    params = "&".join(f"{key}={value}" for key, value in QUERY_PARAMETERS.get(name, {}).items())
    rows = get_json(khabar_ui, f"/khabar/{name}.json?_shape=array&{params}")
    assert [list(row.values()) for row in rows] == expected


def test_docs_metadata_is_what_the_documented_command_writes() -> None:
    (line,) = [c for c in doc_blocks(UI_SECTION, "sh")[-1].splitlines() if c.startswith("python ")]
    *command, redirect, target = shlex.split(line)
    done = subprocess.run(
        [sys.executable, *command[1:]], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert (redirect, done.stdout) == (">", (ROOT / target).read_text("utf-8"))


def test_docs_metadata_is_the_packaged_metadata() -> None:
    documented = json.loads((ROOT / "docs" / "datasette" / "metadata.json").read_text("utf-8"))
    assert documented == metadata()


def khabar(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_khabar_ui_refuses_postgresql() -> None:
    result = khabar("--database-url", "postgresql+psycopg://user@host/db", "ui")
    line = (
        "khabar: error: khabar ui serves a SQLite file (Datasette reads SQLite), not"
        " postgresql+psycopg://user@host/db: give --database-url sqlite:///path/to/khabar.db"
    )
    assert (result.exit_code, result.stderr.splitlines()) == (2, [line])


def test_khabar_ui_refuses_an_older_schema_as_other_commands_do(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    upgrade(engine, "0001")
    engine.dispose()
    ui, stats = khabar("--database-url", url, "ui"), khabar("--database-url", url, "stats")
    assert (ui.exit_code, ui.stderr) == (stats.exit_code, stats.stderr)


def test_khabar_ui_without_datasette_says_how_to_install_it(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "datasette", None)
    result = khabar("--database-url", f"sqlite:///{database}", "ui")
    line = "khabar: error: khabar ui needs Datasette: pip install -e '.[ui]'"
    assert (result.exit_code, result.stderr.splitlines()) == (1, [line])


def test_chart_escapes_category_names() -> None:
    svg = render_chart([("2024-07-18", "<script>", 1)])
    assert ("<script>" in svg, 'data-category="&lt;script&gt;"' in svg) == (False, True)


def test_chart_without_articles_says_so() -> None:
    assert "لا مقالات" in render_chart([])


def test_snippet_is_escaped_and_marked() -> None:
    start, end = MARKS
    assert highlighted(f"<b>{start}بوريل{end}</b>") == "&lt;b&gt;<mark>بوريل</mark>&lt;/b&gt;"


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
