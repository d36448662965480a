"""Snapshot manifests: lookups by any form of a URL, and clear errors for bad snapshots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fixtures.generate import build_snapshot
from khabar_crawler.snapshot.manifest import Snapshot, SnapshotError, write_manifest
from khabar_crawler.snapshot.writer import SnapshotWriter
from tests.helpers import SNAPSHOT, golden


def test_lookup_by_raw_arabic_url(snapshot: Snapshot) -> None:
    raw = "https://khabarayn.com/news/52306/شراكة-أمنية-تاريخية-بين-اليابان-والاتحاد-الأوروبي/?utm_source=x"
    saved = snapshot.get(raw)
    assert saved is not None and saved.url == golden("52306")["url"]


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match=r"no manifest\.json"):
        Snapshot(tmp_path)


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("{", "not valid JSON"),
        ("", "not valid JSON"),
        ("[]x", "not valid JSON"),
        ('{"url": "x"}', "JSON list"),
        ('[{"file": "a.html"}]', "needs a 'url'"),
        ('[{"url": "https://khabarayn.com/", "status": 999}]', "bad status"),
        ('[{"url": "https://khabarayn.com/", "file": "pages/none.html"}]', "missing page file"),
        ('[{"url": "https://khabarayn.com/", "file": "../outside.html"}]', "outside the snapshot"),
    ],
)
def test_bad_manifest_says_why(tmp_path: Path, manifest: str, message: str) -> None:
    (tmp_path / "outside.html").write_text("x")
    snap = tmp_path / "snap"
    snap.mkdir()
    (snap / "manifest.json").write_text(manifest)
    with pytest.raises(SnapshotError, match=message):
        Snapshot(snap)


def test_writer_round_trip(tmp_path: Path) -> None:
    writer = SnapshotWriter(tmp_path)
    writer.add(
        "https://khabarayn.com/a/", 200, {"Content-Type": ["text/html"], "Set-Cookie": ["s=1"]}, b"<p>x</p>"
    )
    writer.add("https://khabarayn.com/b/", 301, {"Location": ["https://khabarayn.com/a/"]}, b"")
    writer.close()
    snap = Snapshot(tmp_path)
    a, b = snap.get("https://khabarayn.com/a/"), snap.get("https://khabarayn.com/b/")
    assert a is not None and b is not None
    assert (a.body(), a.headers, b.status, b.body(), b.headers) == (
        b"<p>x</p>",
        {"Content-Type": ["text/html"]},
        301,
        b"",
        {"Location": ["https://khabarayn.com/a/"]},
    )


def test_writer_keeps_earlier_entries(tmp_path: Path) -> None:
    first = SnapshotWriter(tmp_path)
    first.add("https://khabarayn.com/a/", 200, {}, b"a")
    first.close()
    second = SnapshotWriter(tmp_path)
    second.add("https://khabarayn.com/b/", 200, {}, b"b")
    second.close()
    urls = [e["url"] for e in json.loads((tmp_path / "manifest.json").read_text())]
    assert urls == ["https://khabarayn.com/a/", "https://khabarayn.com/b/"]


@pytest.mark.parametrize(
    "entries", [[], [{"url": "https://khabarayn.com/خبر", "headers": {"A": ["b", "c"]}}]]
)
def test_manifest_text_is_the_indented_json_list(tmp_path: Path, entries: list[dict[str, Any]]) -> None:
    write_manifest(tmp_path / "manifest.json", iter(entries))
    expected = json.dumps(entries, ensure_ascii=False, indent=2) + "\n"
    assert (tmp_path / "manifest.json").read_text("utf-8") == expected


def files(root: Path, leaving_out: str | None = None) -> dict[Path, bytes]:
    return {
        path.relative_to(root): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and leaving_out not in path.relative_to(root).parts
    }


def test_fixture_generator_writes_the_saved_snapshot_again(tmp_path: Path) -> None:
    """``python fixtures/generate.py`` rebuilds fixtures/khabarayn byte for byte."""
    build_snapshot().write(tmp_path)
    assert files(tmp_path) == files(SNAPSHOT, leaving_out="expected")
