"""A snapshot directory that cannot be recorded into or replayed: a SnapshotError naming the
file and what is wrong with it, raised when the directory is opened (before any fetch)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from khabar_crawler.snapshot.manifest import JOURNAL, MANIFEST, Snapshot, SnapshotError
from khabar_crawler.snapshot.writer import SnapshotWriter

BROKEN_JSON = '[\n  {"url": "https://khabarayn.com/"},\n  {oops}\n]\n'


def broken(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_recording_over_a_manifest_that_is_not_json(tmp_path: Path) -> None:
    root = broken(tmp_path, MANIFEST, BROKEN_JSON)
    reason = "not valid JSON (Expecting property name enclosed in double quotes)"
    message = f"{root / MANIFEST}: line 3 column 4: {reason}"
    with pytest.raises(SnapshotError) as raised:
        SnapshotWriter(root)
    assert str(raised.value) == message


def test_recording_over_a_manifest_entry_without_url(tmp_path: Path) -> None:
    root = broken(tmp_path, MANIFEST, '[{"url": "https://khabarayn.com/"}, {"status": 200}]')
    with pytest.raises(
        SnapshotError, match=rf"^{re.escape(str(root / MANIFEST))} entry 1: needs a 'url' string$"
    ):
        SnapshotWriter(root)


def test_recording_over_a_journal_entry_without_url(tmp_path: Path) -> None:
    root = broken(tmp_path, JOURNAL, '{"url": "https://khabarayn.com/"}\n{"status": 200}\n')
    with pytest.raises(
        SnapshotError, match=rf"^{re.escape(str(root / JOURNAL))} line 2: needs a 'url' string$"
    ):
        SnapshotWriter(root)


def test_recording_into_a_folder_that_cannot_be(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(
        SnapshotError,
        match=rf"^cannot record into {re.escape(str(tmp_path / 'file' / 'snap'))}: Not a directory$",
    ):
        SnapshotWriter(tmp_path / "file" / "snap")


def test_replaying_a_manifest_that_is_not_json(tmp_path: Path) -> None:
    root = broken(tmp_path, MANIFEST, BROKEN_JSON)
    with pytest.raises(
        SnapshotError, match=rf"^{re.escape(str(root / MANIFEST))}: line 3 column 4: not valid JSON"
    ):
        Snapshot(root)


def test_replaying_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(
        SnapshotError, match=rf"^no manifest\.json in snapshot directory {re.escape(str(tmp_path / 'none'))}$"
    ):
        Snapshot(tmp_path / "none")
