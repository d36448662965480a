"""Add responses to a snapshot directory at a constant cost each (record mode).

A body goes to ``pages/``; its entry is appended to the journal (``journal.jsonl``, one JSON
line) and handed to the operating system at once, so a killed crawl loses none of what it
saved; the journal is synced to disk every ``sync_every`` entries. Closing folds the journal
into ``manifest.json`` and removes it; a journal left by a killed recording is replayed as it
is (:class:`~khabar_crawler.snapshot.manifest.Snapshot` reads both) and folded in when the
directory is opened for recording again. Opening a directory reads what it already holds
first, so a broken manifest or journal stops the recording before any fetch, with a
:class:`~khabar_crawler.snapshot.manifest.SnapshotError` naming the file and what is wrong
(not when the crawl ends, with its responses saved to a journal that cannot be folded).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from khabar_crawler.snapshot.manifest import (
    JOURNAL,
    MANIFEST,
    UNSAVED_HEADERS,
    SnapshotError,
    entry_url,
    page_name,
    read_entries,
    write_manifest,
)


def fold_journal(root: str | os.PathLike[str]) -> int:
    """Rewrite ``root``'s manifest with its journal folded in (a URL saved again keeps its place
    and takes its last entry), remove the journal, and return the number of entries. Entries
    wait as their JSON text, a third of the memory of decoded ones."""
    root = Path(root)
    entries: dict[str, str] = {}
    for where, entry in read_entries(root):
        entries[entry_url(entry, where)] = json.dumps(entry, ensure_ascii=False)
    decoded: Iterator[Mapping[str, Any]] = (json.loads(text) for text in entries.values())
    count = write_manifest(root / MANIFEST, decoded)
    (root / JOURNAL).unlink(missing_ok=True)
    return count


def check_entries(root: str | os.PathLike[str]) -> int:
    """Read every entry ``root`` already holds (a :class:`SnapshotError` on the first bad one)
    and return their number; nothing is kept in memory."""
    count = 0
    for where, entry in read_entries(root):
        entry_url(entry, where)
        count += 1
    return count


def _write_whole(path: Path, data: bytes) -> None:
    """Write a file under another name, then rename it: an entry never points to half a body."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


class SnapshotWriter:
    """Saves responses into a snapshot directory; entries of an existing manifest are kept, a
    URL saved again replaces its entry (at :meth:`close`)."""

    def __init__(self, root: str | os.PathLike[str], sync_every: int = 50) -> None:
        self.root = Path(root)
        self.sync_every = max(sync_every, 1)
        self.saved = 0  # responses added by this writer
        try:
            (self.root / "pages").mkdir(parents=True, exist_ok=True)
            if (self.root / JOURNAL).exists():
                fold_journal(self.root)  # left by a killed recording
            else:
                check_entries(self.root)
            self._journal = (self.root / JOURNAL).open("ab")
        except OSError as exc:
            raise SnapshotError(f"cannot record into {self.root}: {exc.strerror or exc}") from exc
        self._unsynced = 0

    def add(self, url: str, status: int, headers: Mapping[str, list[str]], body: bytes) -> str:
        saved = {
            k: v if len(v) > 1 else v[0] for k, v in headers.items() if k.lower() not in UNSAVED_HEADERS and v
        }
        content_type = next((v[0] for k, v in headers.items() if k.lower() == "content-type" and v), None)
        entry: dict[str, Any] = {"url": url, "status": status, "headers": saved}
        if body:
            name = page_name(url, content_type)
            _write_whole(self.root / "pages" / name, body)
            entry["file"] = f"pages/{name}"
        self._journal.write(json.dumps(entry, ensure_ascii=False).encode("utf-8") + b"\n")
        self._journal.flush()
        self.saved += 1
        self._unsynced += 1
        if self._unsynced >= self.sync_every:
            self.sync()
        return url

    def sync(self) -> None:
        """Make the journal's entries durable (a machine crash keeps them)."""
        os.fsync(self._journal.fileno())
        self._unsynced = 0

    def close(self) -> int:
        """Fold the journal into ``manifest.json``; the number of entries it then holds."""
        self._journal.close()
        return fold_journal(self.root)
