"""Snapshot manifests: lookups by any form of a URL, and clear errors for bad snapshots."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from khabar_crawler.snapshot.manifest import Snapshot, SnapshotError, SnapshotWriter
from tests.helpers import golden


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
    writer.flush()
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
    first.flush()
    second = SnapshotWriter(tmp_path)
    second.add("https://khabarayn.com/b/", 200, {}, b"b")
    second.flush()
    urls = [e["url"] for e in json.loads((tmp_path / "manifest.json").read_text())]
    assert urls == ["https://khabarayn.com/a/", "https://khabarayn.com/b/"]
