"""bench.peers on a few pages: every importable extractor gives text and a body F1 in [0, 1];
peers that are not installed (they come with the ``bench`` extra) are skipped, ours and
trafilatura always run. Nothing here times anything or needs valgrind or ../shared."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import peers
from bench.quality import token_f1
from bench.realworld import body_f1

URL = "https://news.example.org/world/2024/05/13/a-fire-in-the-port-81234"
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>A fire in the port - Example News</title>
<meta property="og:type" content="article">
<meta property="article:published_time" content="2024-05-13T08:00:00Z">
</head><body><nav><a href="/">Home</a> <a href="/world/">World</a></nav>
<div class="story"><h1>A fire in the port</h1>
<p>The fire burned all night in the old warehouses of the port, and the firefighters of three
towns came to hold it back from the fuel tanks on the quay, where the flames were kept at bay
by the crews of two fireboats that had sailed in from the river mouth after the first alarm.</p>
<p>By morning the roofs had fallen in, but no one was hurt, the harbour master said, and the
ships that had been moored beside the warehouses were moved out to sea before midnight, when the
wind turned and carried the smoke over the town, where the schools will stay closed today.</p>
<p>The cause of the fire is not yet known; the police have closed the quay while it is looked
into, and the ferries leave from the northern pier until further notice, the city council said
in a statement that also asked the people of the old town to keep their windows shut.</p></div>
<footer><p>Example News, all rights reserved.</p></footer></body></html>
"""
ALWAYS = ("ours", "trafilatura")


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> list[peers.Page]:
    """The two fixture pages (the site's template) and a one-page "realworld" corpus of a
    template nobody here wrote (read by the generic layer)."""
    root = tmp_path_factory.mktemp("realworld")
    (root / "pages").mkdir()
    (root / "ref").mkdir()
    entry = {"id": "en-example", "lang": "en", "url": URL, "source": "tests", "reference": {"kind": "test"}}
    (root / "corpus.json").write_text(json.dumps([entry]), "utf-8")
    (root / "pages" / "en-example.html").write_text(PAGE, "utf-8")
    reference = "A fire in the port\n\n" + "\n\n".join(
        " ".join(p.split("</p>")[0].split()) for p in PAGE.split("<p>")[1:4]
    )
    (root / "ref" / "en-example.txt").write_text(reference, "utf-8")
    return peers.fixture_pages()[:2] + peers.realworld_pages(root)


def test_the_pages_are_of_both_kinds(pages: list[peers.Page]) -> None:
    assert [peers.body_layer(page) for page in pages] == ["site", "site", "generic"]
    assert all(page.reference for page in pages)
    hidden = peers.renamed(pages[:1])
    assert "entry-content" not in hidden[0].html and 'itemprop="articleBody"' not in hidden[0].html
    assert peers.body_layer(hidden[0]) == "generic"


@pytest.mark.parametrize("name", list(peers.EXTRACTORS))
def test_each_extractor_gives_text_and_a_body_f1(name: str, pages: list[peers.Page]) -> None:
    loaded, missing = peers.load([name])
    if name in missing:
        assert name not in ALWAYS, missing[name]
        pytest.skip(f"{name} is not installed (bench extra): {missing[name]}")
    fixtures = peers.quality(loaded, pages[:2], token_f1)[name]
    real = peers.quality(loaded, pages[2:], body_f1)[name]
    for row in [*fixtures.values(), *real.values()]:
        assert "error" not in row, row
        assert row["chars"] > 0
        assert 0.0 <= row["f1"] <= 1.0
    if name == "ours":
        assert peers.mean_f1(fixtures) == 1.0  # the golden files are ours
        assert real["en-example"]["f1"] > 0.9


def test_speed_in_turns_and_the_tables(pages: list[peers.Page], tmp_path: Path) -> None:
    loaded, missing = peers.load(ALWAYS)
    assert not missing
    speed = peers.interleaved(loaded, pages, rounds=2)
    for name in ALWAYS:
        assert 0 < speed[name]["min"] <= speed[name]["median"] <= speed[name]["max"]
        assert len(speed[name]["rates"]) == 2
    results = {
        "date": "today",
        "machine": "test",
        "load": [1.0, 2.0],
        "versions": {name: peers.distribution_version(name) for name in (*ALWAYS, "goose")},
        "missing": {"goose": "ModuleNotFoundError: No module named 'goose3'"},
        "synthetic_pages": len(pages),
        "rounds": 2,
        "speed": speed,
        "fixtures": peers.quality(loaded, pages[:2], token_f1),
        "realworld_f1": peers.quality(loaded, pages[2:], body_f1),
        "price": {
            "template": {
                "count": 2,
                "kb_per_page": 1.0,
                "layers": {"site": 2},
                "speed": speed,
                "instructions": {
                    name: {"instructions_per_page": 2_000_000, "pages": 2, "totals": [1, 2]}
                    for name in ALWAYS
                },
            }
        },
    }
    text = peers.tables(results, "python -m bench.peers")
    assert "| ours (`extract_article`) |" in text
    assert "| goose3 | not run: ModuleNotFoundError" in text
    assert "2.0 M instr/page" in text

    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Other\n\nkept\n", "utf-8")
    peers.write_docs("first", doc)
    peers.write_docs("second", doc)
    written = doc.read_text("utf-8")
    assert written.startswith("# Benchmarks\n\n## Other\n\nkept\n\n" + peers.HEADING)
    assert "second" in written and "first" not in written
    assert written.count(peers.BEGIN) == 1


def test_callgrind_totals_are_read() -> None:
    assert peers.callgrind_total("events: Ir\nfl=x\nsummary: 1234\ntotals: 1234\n") == 1234
    with pytest.raises(ValueError):
        peers.callgrind_total("events: Ir\n")
