"""Shared test helpers: paths, golden files, the page-to-text renderer, crawl runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from lxml import html as lxml_html

from khabar_crawler.items import ArticleItem

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "fixtures" / "khabarayn"
SEEDS = ROOT / "fixtures" / "seeds"
SITE = "https://khabarayn.com"

_BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tr",
        "td",
        "th",
        "ul",
    }
)
_DROPPED = frozenset({"head", "script", "style", "noscript", "template"})


def golden(article_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SNAPSHOT / "expected" / f"{article_id}.json").read_text("utf-8"))
    return data


def golden_ids() -> list[str]:
    return sorted(p.stem for p in (SNAPSHOT / "expected").glob("*.json"))


def item_dict(item: ArticleItem | None) -> dict[str, Any]:
    assert item is not None, "no item extracted"
    return asdict(item)


def render_lines(html: str) -> list[str]:
    """A text rendering of a page, as the seeds are: block elements on their own lines, an
    image's alt text as a line, head and scripts dropped; non-empty lines only."""
    root = lxml_html.document_fromstring(html)
    lines: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        line = " ".join("".join(buffer).split())
        if line:
            lines.append(line)
        buffer.clear()

    def walk(el: lxml_html.HtmlElement) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if not tag or tag in _DROPPED:
            return
        if tag == "img":
            flush()
            buffer.append(el.get("alt") or "")
            flush()
            return
        if tag == "br":
            flush()
            return
        block = tag in _BLOCKS
        if block:
            flush()
        if el.text:
            buffer.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                buffer.append(child.tail)
        if block:
            flush()

    walk(root)
    flush()
    return lines


def seed_lines(name: str) -> list[str]:
    return [line for line in (SEEDS / name).read_text("utf-8").splitlines() if line.strip()]


def crawl_command(tmp_path: Path, *args: str, settings: dict[str, str] | None = None) -> list[str]:
    """``scrapy crawl khabarayn`` writing its feed, stats and (unless DATABASE_URL is given)
    database into ``tmp_path``: tests never touch data/."""
    settings = {"DATABASE_URL": f"sqlite:///{tmp_path / 'khabar.db'}", **(settings or {})}
    command = [sys.executable, "-m", "scrapy", "crawl", "khabarayn", *args]
    command += [
        "-o",
        f"{tmp_path / 'items.jsonl'}:jsonlines",
        "-s",
        f"KHABAR_STATS_FILE={tmp_path / 'stats.json'}",
    ]
    for key, value in {"LOG_LEVEL": "INFO", **settings}.items():
        command += ["-s", f"{key}={value}"]
    return command


def crawl_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def read_outputs(tmp_path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Items of the crawl's JSON-lines feed and its final stats."""
    feed = tmp_path / "items.jsonl"
    lines = feed.read_text("utf-8").splitlines() if feed.exists() else []
    stats: dict[str, Any] = json.loads((tmp_path / "stats.json").read_text("utf-8"))
    return [json.loads(line) for line in lines if line.strip()], stats


def crawl_process(
    tmp_path: Path, *args: str, settings: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl khabarayn`` run to its end in a subprocess (a real engine, a fresh
    reactor), whatever its exit status: for tests of failing crawls."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        crawl_command(tmp_path, *args, settings=settings),
        cwd=ROOT,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_crawl(
    tmp_path: Path, *args: str, settings: dict[str, str] | None = None, stderr: int = subprocess.PIPE
) -> subprocess.Popen[str]:
    """``scrapy crawl khabarayn`` started in a subprocess, for tests that act on it while it
    runs (signals, kills, faults); its standard error piped (or ``stderr``), its output
    dropped."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        crawl_command(tmp_path, *args, settings=settings),
        cwd=ROOT,
        env=crawl_env(),
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
    )


def run_crawl(
    tmp_path: Path, *args: str, settings: dict[str, str] | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A crawl that must succeed: its feed's items and its final stats."""
    done = crawl_process(tmp_path, *args, settings=settings)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "Traceback" not in done.stderr, done.stderr[-4000:]
    return read_outputs(tmp_path)


# --- databases ---------------------------------------------------------------------------

POSTGRES_URL = os.environ.get("KHABAR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def postgres_problem() -> str | None:
    """Why the test PostgreSQL server cannot be used, or None when it can."""
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: not available
        return f"PostgreSQL at {POSTGRES_URL} is not available ({type(exc).__name__}: {exc})"
    return None


def golden_item(article_id: str, /, **changes: Any) -> ArticleItem:
    """The golden item of an article as the spider yields it (crawl metadata filled in)."""
    data = golden(article_id)
    item = ArticleItem(**data)
    item.fetched_url = data["url"]
    item.status = 200
    item.fetched_at = "2026-11-20T10:00:00+00:00"
    for key, value in changes.items():
        setattr(item, key, value)
    return item
