"""bench.realworld without ../shared: the scorer, the one-page snapshot, the checks, the docs
section. Nothing here spawns a crawl."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from bench import realworld
from khabar_crawler.snapshot.manifest import Snapshot

URL = "https://news.example.org/world/2024/05/13/a-fire-in-the-port-81234"
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>A fire in the port - Example News</title>
<meta property="og:site_name" content="Example News">
</head><body><article><h1>A fire in the port</h1><p>The fire burned all night.</p></article></body></html>
"""


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A one-page "realworld" directory laid out like ../shared/realworld."""
    root = tmp_path / "realworld"
    (root / "pages").mkdir(parents=True)
    (root / "ref").mkdir()
    entry = {"id": "en-example", "lang": "en", "url": URL, "source": "tests", "reference": {"kind": "test"}}
    (root / "corpus.json").write_text(json.dumps([entry]), "utf-8")
    (root / "pages" / "en-example.html").write_text(PAGE, "utf-8")
    (root / "ref" / "en-example.txt").write_text(
        "A fire in the port\n\nThe fire burned all night.\n", "utf-8"
    )
    return root


def test_body_f1_is_the_f1_of_token_multisets() -> None:
    assert realworld.body_f1("a b c", "a b c") == 1.0
    assert realworld.body_f1(None, "a b") == 0.0
    assert realworld.body_f1("", "a b") == 0.0
    # precision 2/4, recall 2/2: F1 = 2 * 0.5 * 1 / 1.5
    assert realworld.body_f1("a b x y", "a b") == pytest.approx(2 / 3)
    # multisets: a repeated token counts as often as it occurs in both
    assert realworld.body_f1("a a a", "a") == pytest.approx(0.5)
    # whitespace of any kind separates tokens; line breaks do not matter
    assert realworld.body_f1("a\n\nb\tc", "a b c") == 1.0


def test_body_f1_compares_nfc_forms() -> None:
    composed = unicodedata.normalize("NFC", "café إِنَّ")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert realworld.body_f1(decomposed, composed) == 1.0


def test_one_page_snapshot(corpus: Path, tmp_path: Path) -> None:
    entry = json.loads((corpus / "corpus.json").read_text("utf-8"))[0]
    directory = realworld.make_snapshot(entry, corpus / "pages" / "en-example.html", tmp_path / "snap")
    manifest = json.loads((directory / "manifest.json").read_text("utf-8"))
    assert manifest == [
        {
            "url": URL,
            "file": "pages/en-example.html",
            "status": 200,
            "headers": {"Content-Type": "text/html; charset=utf-8"},
        }
    ]
    saved = Snapshot(directory).get(URL)
    assert saved is not None
    assert saved.status == 200
    assert saved.header("content-type") == "text/html; charset=utf-8"
    assert saved.body() == PAGE.encode("utf-8")
    assert realworld.origin(URL) == "https://news.example.org"
    command = realworld.crawl_command(directory, realworld.origin(URL), tmp_path)
    assert f"replay={directory}" in command
    assert "KHABARAYN_SITE_URL=https://news.example.org" in command


def test_corpus_location(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KHABAR_REALWORLD_DIR", str(corpus))
    assert realworld.corpus_dir() == corpus
    assert realworld.available()
    monkeypatch.setenv("KHABAR_REALWORLD_DIR", str(tmp_path / "absent"))
    assert not realworld.available()
    monkeypatch.delenv("KHABAR_REALWORLD_DIR")
    assert realworld.corpus_dir() == realworld.ROOT.parent / "shared" / "realworld"


def test_without_the_corpus_it_says_so_and_exits_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KHABAR_REALWORLD_DIR", str(tmp_path / "absent"))
    realworld.main([])
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert "no corpus" in out and "skipped" in out


def test_years_as_article_ids() -> None:
    assert realworld.is_year("2024")
    assert realworld.is_year("1990")
    assert not realworld.is_year("1989")
    assert not realworld.is_year("81234")
    assert not realworld.is_year("898682")
    assert not realworld.is_year(None)


def test_title_checks() -> None:
    assert realworld.title_problems("A fire in the port - Example News", URL, PAGE) == [
        "site name as suffix ('Example News')"
    ]
    # the host's name, when the page has no og:site_name
    lemonde = "https://www.lemonde.fr/politique/article/x.html"
    assert realworld.site_suffix("Sophie Binet met en garde | Le Monde", lemonde, None) == "Le Monde"
    assert realworld.site_suffix("وزارة العمل - اليوم السابع", URL, "اليوم السابع") == "اليوم السابع"
    assert realworld.site_suffix("Rates - what next for the banks", URL, "Example News") is None
    assert realworld.site_suffix("A fire in the port", URL, "Example News") is None
    assert realworld.title_problems("&quot;Pink hair&quot; puzzles", URL, PAGE) == ["HTML entity &quot;"]
    assert realworld.title_problems("Tom &#039;n&#039; Jerry", URL, PAGE) == ["HTML entity &#039;"]
    assert realworld.title_problems("Fish & chips", URL, PAGE) == []
    assert realworld.title_problems(None, URL, PAGE) == []


def test_no_item_reasons() -> None:
    log = (
        "2026-11-27 03:15:26 [scrapy.core.scraper] WARNING: Dropped: missing_article_id: "
        "missing_article_id: no article id; empty_body: the article body is empty (https://x.org/a)\n"
    )
    stats = {"khabar/validate/dropped/missing_article_id": 1, "khabar/replay/served": 1}
    assert realworld.no_item_reason(stats, log) == "validate: missing_article_id, empty_body"
    assert realworld.no_item_reason(stats, "") == "validate: missing_article_id"
    served = {"khabar/replay/served": 1}
    assert realworld.no_item_reason({**served, "khabar/extract/not_article": 1}, "") == "extract/not_article"
    assert realworld.no_item_reason({"finish_reason": "finished"}, "") == "page not fetched"


def test_docs_section_is_added_then_rewritten(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## The suite\n\ntext\n\n## Search\n\nmore\n", "utf-8")
    realworld.write_docs("first table", doc)
    realworld.write_docs("second table", doc)
    text = doc.read_text("utf-8")
    assert text.count(realworld.HEADING) == 1
    assert "first table" not in text
    assert f"{realworld.BEGIN}\nsecond table\n{realworld.END}" in text
    assert text.index(realworld.HEADING) < text.index("## Search")
    assert text.startswith("# Benchmarks\n\n## The suite\n\ntext\n\n")
