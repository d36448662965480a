"""The ``khabar`` command lines of docs/querying.md, run as written (in a shell, from a folder
whose ``data/khabar.db`` holds the crawled seed articles): each succeeds, and each search
finds what the comment beside it promises."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, SNAPSHOT, run_crawl

pytestmark = pytest.mark.e2e

DOCS = ROOT / "docs" / "querying.md"


def documented_lines() -> list[str]:
    """The ``khabar`` lines of the section "The `khabar` command", comments and all."""
    section = DOCS.read_text("utf-8").split("\n## The `khabar` command\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    return [line for line in block.splitlines() if line.startswith("khabar ")]


LINES = documented_lines()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("docs-khabar")
    run_crawl(root / "data", "-a", f"replay={SNAPSHOT}")
    return root


def run_line(line: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "200"
    return subprocess.run(
        ["bash", "-c", line], cwd=workdir, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("line", LINES, ids=[f"line{i}" for i in range(len(LINES))])
def test_documented_khabar_line_succeeds(workdir: Path, line: str) -> None:
    done = run_line(line, workdir)
    assert (done.returncode, done.stderr) == (0, "")


SEARCHES = [line for line in LINES if line.startswith("khabar search ")]


@pytest.mark.parametrize("line", SEARCHES, ids=[f"search{i}" for i in range(len(SEARCHES))])
def test_documented_search_finds_an_article(workdir: Path, line: str) -> None:
    command = line.split("  #", 1)[0].rstrip()
    done = run_line(command + ("" if "--json" in command else " --json"), workdir)
    assert json.loads(done.stdout)["hits"], done.stderr


def test_documented_or_finds_either_word(workdir: Path) -> None:
    (line,) = [line for line in SEARCHES if " OR " in line and "--category asia" in line]
    done = run_line(line.split("  #", 1)[0] + " --json", workdir)
    assert {hit["article_id"] for hit in json.loads(done.stdout)["hits"]} == {"41872", "52306"}


def test_documented_minus_word_excludes_it(workdir: Path) -> None:
    (line,) = [line for line in SEARCHES if " -بوريل" in line]
    done = run_line(line.split("  #", 1)[0] + " --json", workdir)
    assert [hit["article_id"] for hit in json.loads(done.stdout)["hits"]] == ["41872"]


def test_documented_filter_error_lists_what_is_there(workdir: Path) -> None:
    done = run_line("khabar search اليابان --category اوروبا", workdir)
    assert (done.returncode, done.stderr) == (
        2,
        "khabar: error: no category 'اوروبا' in the database (categories: آسيا)\n",
    )
