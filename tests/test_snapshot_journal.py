"""Record mode appends: one journal line a response, folded into manifest.json at close; a
recording killed before its fold replays from its journal, as the folded one does."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from khabar_crawler.extract import extract_article
from khabar_crawler.snapshot.manifest import Snapshot, SnapshotError
from khabar_crawler.snapshot.replay import ReplayMiddleware
from khabar_crawler.snapshot.writer import SnapshotWriter
from tests.helpers import ROOT, SNAPSHOT, golden, golden_ids, item_dict

URL = "https://khabarayn.com/news/{}/"


def add_pages(writer: SnapshotWriter, count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        writer.add(URL.format(number), 200, {"Content-Type": ["text/html"]}, f"<p>{number}</p>".encode())


def journal_lines(root: Path) -> list[str]:
    return (root / "journal.jsonl").read_text("utf-8").splitlines()


def record_fixture(writer: SnapshotWriter) -> None:
    """Record every response of the fixture snapshot again."""
    for entry in json.loads((SNAPSHOT / "manifest.json").read_text("utf-8")):
        headers = {name: [value] for name, value in entry["headers"].items()}
        body = (SNAPSHOT / entry["file"]).read_bytes() if entry.get("file") else b""
        writer.add(entry["url"], entry["status"], headers, body)


def responses(snapshot: Snapshot) -> list[tuple[str, int, dict[str, list[str]], bytes]]:
    return [(saved.url, saved.status, saved.headers, saved.body()) for saved in snapshot]


#: records the fixture snapshot into argv[1], then dies as a killed crawl does (no close)
KILLED_RECORDING = f"""
import os, signal, sys
sys.path.insert(0, {str(ROOT)!r})
from khabar_crawler.snapshot.writer import SnapshotWriter
from tests.test_snapshot_journal import record_fixture
record_fixture(SnapshotWriter(sys.argv[1]))
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory of a recording of the fixture snapshot, killed before it closed."""
    root = tmp_path_factory.mktemp("killed")
    done = subprocess.run(
        [sys.executable, "-c", KILLED_RECORDING, str(root)], capture_output=True, timeout=120, check=False
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]
    return root


@pytest.fixture(scope="module")
def folded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same recording, closed: its journal folded into manifest.json."""
    root = tmp_path_factory.mktemp("folded")
    writer = SnapshotWriter(root)
    record_fixture(writer)
    writer.close()
    return root


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[SnapshotWriter]:
    """A recording into ``tmp_path``, closed after the test."""
    recording = SnapshotWriter(tmp_path, sync_every=2)
    yield recording
    recording.close()


def test_each_response_appends_one_journal_line(tmp_path: Path, writer: SnapshotWriter) -> None:
    add_pages(writer, 7)
    assert len(journal_lines(tmp_path)) == 7


def test_earlier_journal_lines_are_never_rewritten(tmp_path: Path, writer: SnapshotWriter) -> None:
    add_pages(writer, 3)
    before = (tmp_path / "journal.jsonl").read_bytes()
    add_pages(writer, 3, start=3)
    assert (tmp_path / "journal.jsonl").read_bytes()[: len(before)] == before


def test_no_manifest_is_written_while_recording(tmp_path: Path, writer: SnapshotWriter) -> None:
    add_pages(writer, 3)
    assert not (tmp_path / "manifest.json").exists()


def test_close_folds_the_journal_into_the_manifest(tmp_path: Path) -> None:
    writer = SnapshotWriter(tmp_path)
    add_pages(writer, 3)
    writer.close()
    manifest = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    assert ([entry["url"] for entry in manifest], (tmp_path / "journal.jsonl").exists()) == (
        [URL.format(n) for n in range(3)],
        False,
    )


def test_a_url_saved_again_keeps_its_place_and_takes_its_last_entry(tmp_path: Path) -> None:
    first = SnapshotWriter(tmp_path)
    add_pages(first, 3)
    first.close()
    second = SnapshotWriter(tmp_path)
    second.add(URL.format(0), 404, {}, b"")
    second.close()
    manifest = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    assert [(entry["url"], entry["status"]) for entry in manifest] == [
        (URL.format(0), 404),
        (URL.format(1), 200),
        (URL.format(2), 200),
    ]


def test_a_killed_recording_replays_from_its_journal(killed: Path) -> None:
    assert responses(Snapshot(killed)) == responses(Snapshot(SNAPSHOT))


def test_the_next_recording_folds_a_killed_journal_in(killed: Path, tmp_path: Path) -> None:
    root = tmp_path / "again"
    shutil.copytree(killed, root)
    SnapshotWriter(root).close()
    assert len(json.loads((root / "manifest.json").read_text("utf-8"))) == Snapshot(SNAPSHOT).size


def test_replay_reads_a_manifest_and_a_journal_together(tmp_path: Path) -> None:
    first = SnapshotWriter(tmp_path)
    add_pages(first, 2)
    first.close()
    second = SnapshotWriter(tmp_path)
    add_pages(second, 2, start=2)
    urls = [saved.url for saved in Snapshot(tmp_path)]  # before the second one's fold
    second.close()
    assert urls == [URL.format(n) for n in range(4)]


def test_a_last_line_cut_short_is_left_out(tmp_path: Path, writer: SnapshotWriter) -> None:
    add_pages(writer, 2)
    with (tmp_path / "journal.jsonl").open("ab") as journal:
        journal.write(b'{"url": "https://khabarayn.com/cut", "sta')
    assert Snapshot(tmp_path).size == 2


def test_a_bad_journal_line_says_where(tmp_path: Path) -> None:
    (tmp_path / "journal.jsonl").write_text('{"url": "https://khabarayn.com/"}\nnot json\n{}\n')
    with pytest.raises(SnapshotError, match=r"journal\.jsonl line 2: not valid JSON"):
        Snapshot(tmp_path)


def test_both_forms_hold_the_same_responses(killed: Path, folded: Path) -> None:
    assert responses(Snapshot(killed)) == responses(Snapshot(folded))


def replayed(root: Path) -> list[tuple[str, int, dict[bytes, list[bytes]], bytes, str]]:
    """What the replay middleware answers for every URL of the fixture snapshot."""
    crawler = get_crawler(settings_dict={"KHABAR_REPLAY_DIR": str(root)})
    middleware = ReplayMiddleware.from_crawler(crawler)
    answers = []
    for saved in Snapshot(SNAPSHOT):
        response = middleware.process_request(Request(saved.url))
        answers.append(
            (response.url, response.status, dict(response.headers), response.body, type(response).__name__)
        )
    return answers


def test_replay_answers_the_same_from_both_forms(killed: Path, folded: Path) -> None:
    assert replayed(killed) == replayed(folded)


def articles(root: Path) -> dict[str, dict[str, Any]]:
    snapshot = Snapshot(root)
    items = {}
    for article_id in golden_ids():
        saved = snapshot.get(golden(article_id)["url"])
        assert saved is not None
        items[article_id] = item_dict(extract_article(saved.body().decode("utf-8"), saved.url))
    return items


def test_both_forms_give_the_same_items(killed: Path, folded: Path) -> None:
    assert articles(killed) == articles(folded)
