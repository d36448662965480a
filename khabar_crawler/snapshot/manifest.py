"""Saved snapshots of the site: ``manifest.json`` + ``pages/`` (+ ``expected/`` goldens).

The manifest is a JSON list of ``{"url", "file", "status", "headers"}``; ``file`` is relative to
the manifest and may be absent for empty bodies (redirects). A recording appends its entries to
``journal.jsonl`` (one entry a line) and folds them into ``manifest.json`` when it closes
(:mod:`~khabar_crawler.snapshot.writer`); readers take the manifest, then the journal, a later
entry for a URL replacing an earlier one, so a recording killed before its fold replays too.
Lookups go through :func:`~khabar_crawler.urls.canonicalize_url`, so a request for any variant
of a saved URL (tracking parameters, raw or percent-encoded slug, fragment) finds the saved page.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import ijson  # type: ignore[import-untyped]

from khabar_crawler.files import sync_directory
from khabar_crawler.urls import canonicalize_url

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
JOURNAL = "journal.jsonl"
#: Headers never saved: hop-by-hop, recomputed on replay, or secrets.
UNSAVED_HEADERS = frozenset(
    {
        "set-cookie",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "date",
        "server",
        "x-powered-by",
    }
)
_EXTENSIONS = {
    "html": ".html",
    "xml": ".xml",
    "rss": ".xml",
    "atom": ".xml",
    "json": ".json",
    "plain": ".txt",
}


class SnapshotError(ValueError):
    """A snapshot directory or manifest that cannot be used; the message says why."""


@dataclass(frozen=True)
class SavedResponse:
    url: str
    status: int
    headers: dict[str, list[str]]
    file: Path | None

    def body(self) -> bytes:
        return self.file.read_bytes() if self.file else b""

    def header(self, name: str) -> str | None:
        """The first value of a saved header, whatever the case of its name."""
        wanted = name.lower()
        return next(
            (values[0] for key, values in self.headers.items() if key.lower() == wanted and values), None
        )


def _manifest_entries(path: Path) -> Iterator[tuple[str, Any]]:
    """The entries of ``manifest.json`` with where each stands, decoded one at a time by ijson's
    streaming parser: a 100k-entry manifest is never held whole, as text or as a list."""
    with path.open("rb") as handle:
        try:
            events = ijson.parse(handle)
            if next(events)[1] != "start_array":
                for _ in events:  # invalid JSON is reported as such first
                    pass
                raise SnapshotError(f"{path}: expected a JSON list of entries")
            handle.seek(0)  # items() straight from the file stays in ijson's C backend
            for index, entry in enumerate(ijson.items(handle, "item", use_float=True)):
                yield f"{path} entry {index}", entry
        except ijson.JSONError as exc:
            raise SnapshotError(f"{path}: {_where_invalid(path, exc)}") from exc


#: the largest manifest read whole to say where its JSON breaks (ijson's errors do not)
_LOCATE_LIMIT = 64 * 1024 * 1024


def _where_invalid(path: Path, error: Exception) -> str:
    """Where and why ``path`` is not JSON, ``line 3 column 2: not valid JSON (...)``, from the
    standard decoder when the file is small enough to read again whole, else ijson's reason."""
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    try:
        if path.stat().st_size <= _LOCATE_LIMIT:
            json.loads(path.read_bytes())
    except json.JSONDecodeError as exc:
        return f"line {exc.lineno} column {exc.colno}: not valid JSON ({exc.msg})"
    except (OSError, ValueError):
        pass
    return f"not valid JSON ({reason})"


def _journal_entries(path: Path) -> Iterator[tuple[str, Any]]:
    """The entries of a recording's journal, a line each. A last line without its newline that
    does not decode was cut short by a killed recording: it is left out (its response is lost,
    the others are not)."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                entry = json.loads(line)
            except ValueError as exc:
                if not line.endswith(b"\n"):
                    logger.warning("%s line %d was cut short (a killed recording): left out", path, number)
                    return
                raise SnapshotError(f"{path} line {number}: not valid JSON ({exc})") from exc
            yield f"{path} line {number}", entry


def read_entries(root: str | os.PathLike[str]) -> Iterator[tuple[str, Any]]:
    """The raw entries of a snapshot directory, with where each stands: ``manifest.json``'s,
    then the journal's (either may be absent; a URL's later entry replaces an earlier one)."""
    root = Path(root)
    if (root / MANIFEST).is_file():
        yield from _manifest_entries(root / MANIFEST)
    if (root / JOURNAL).is_file():
        yield from _journal_entries(root / JOURNAL)


def entry_url(entry: Any, where: str) -> str:
    """The URL of a raw entry (an object with a ``url`` string), or a SnapshotError."""
    if not isinstance(entry, Mapping) or not isinstance(entry.get("url"), str):
        raise SnapshotError(f"{where}: needs a 'url' string")
    url: str = entry["url"]
    return url


def write_manifest(path: Path, entries: Iterable[Mapping[str, Any]]) -> int:
    """Write ``entries`` as a manifest and return how many there were. The text is what
    ``json.dumps(list(entries), ensure_ascii=False, indent=2) + "\\n"`` gives (the fixture
    snapshot's manifest is written here too), produced an entry at a time, into a file beside
    ``path`` that is synced and then renamed over it: a reader never sees half a manifest."""
    partial = path.with_name(f".{path.name}.partial")
    count = 0
    with partial.open("w", encoding="utf-8", newline="\n") as handle:
        for entry in entries:
            handle.write(",\n  " if count else "[\n  ")
            handle.write(json.dumps(entry, ensure_ascii=False, indent=2).replace("\n", "\n  "))
            count += 1
        handle.write("\n]\n" if count else "[]\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    sync_directory(path.parent)
    return count


def _headers(raw: Any, where: str) -> dict[str, list[str]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise SnapshotError(f"{where}: headers must be an object")
    headers: dict[str, list[str]] = {}
    for name, value in raw.items():
        values = value if isinstance(value, list) else [value]
        headers[str(name)] = [str(v) for v in values]
    return headers


#: an entry of the in-memory index: status, headers as JSON text (one string shared between
#: entries with the same headers, decoded on lookup), file (relative to the snapshot)
_Entry = tuple[int, str, str | None]


class Snapshot:
    """A snapshot directory opened for replay (read-only): ``manifest.json``, a recording's
    journal, or both.

    The index keeps, per saved URL, its status, its headers as JSON text (shared between
    entries with identical headers) and its file name relative to the directory: a few hundred
    bytes an entry; :class:`SavedResponse` objects are made on lookup."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._resolved_root = self.root.resolve()
        if not (self.root / MANIFEST).is_file() and not (self.root / JOURNAL).is_file():
            raise SnapshotError(f"no {MANIFEST} in snapshot directory {self.root}")
        self._by_url: dict[str, _Entry] = {}
        self._aliases: dict[str, str] = {}  # canonical form -> saved URL, where they differ
        shared_headers: dict[str, str] = {}
        for where, raw in read_entries(self.root):
            url, (status, headers, file) = self._entry(raw, where)
            text = json.dumps(headers, ensure_ascii=False)
            self._by_url[url] = (status, shared_headers.setdefault(text, text), file)
            canonical = canonicalize_url(url)
            if canonical != url:
                self._aliases.setdefault(canonical, url)

    @property
    def size(self) -> int:
        """How many URLs the snapshot holds."""
        return len(self._by_url)

    def _entry(self, entry: Any, where: str) -> tuple[str, tuple[int, dict[str, list[str]], str | None]]:
        url = entry_url(entry, where)
        status = entry.get("status", 200)
        if not isinstance(status, int) or not 100 <= status <= 599:
            raise SnapshotError(f"{where}: bad status {status!r}")
        file = None
        if entry.get("file"):
            file = str(entry["file"])
            path = (self.root / file).resolve()
            if not path.is_relative_to(self._resolved_root):
                raise SnapshotError(f"{where}: file {entry['file']!r} lies outside the snapshot")
            if not path.is_file():
                raise SnapshotError(f"{where}: missing page file {entry['file']!r}")
        return url, (status, _headers(entry.get("headers"), where), file)

    def _saved(self, url: str, entry: _Entry) -> SavedResponse:
        status, headers, file = entry
        # the file was checked to lie inside the directory when the manifest was read
        return SavedResponse(url, status, json.loads(headers), self._resolved_root / file if file else None)

    def get(self, url: str) -> SavedResponse | None:
        entry = self._by_url.get(url)
        if entry is None:
            canonical = canonicalize_url(url)
            url = self._aliases.get(canonical, canonical)
            entry = self._by_url.get(url)
        return self._saved(url, entry) if entry is not None else None

    def __iter__(self) -> Iterator[SavedResponse]:
        for url, entry in self._by_url.items():
            yield self._saved(url, entry)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def open_snapshot(root: str | os.PathLike[str]) -> Snapshot:
    """The snapshot in ``root``, opened once per process while its manifest and journal are
    unchanged (the replay middleware and the spider share one index)."""
    stamps = (_stamp(Path(root) / MANIFEST), _stamp(Path(root) / JOURNAL))
    if stamps == (None, None):
        return Snapshot(root)  # raises the usual SnapshotError
    return _open_snapshot(str(Path(root).resolve()), *stamps)


@lru_cache(maxsize=2)
def _open_snapshot(root: str, manifest: tuple[int, int] | None, journal: tuple[int, int] | None) -> Snapshot:
    return Snapshot(root)


def page_name(url: str, content_type: str | None) -> str:
    """An ASCII file name for a saved page: a hash of its URL and an extension by type."""
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:20]
    subtype = (content_type or "").split(";", 1)[0].strip().lower().rsplit("/", 1)[-1]
    ext = next((e for key, e in _EXTENSIONS.items() if key in subtype), ".bin")
    return digest + ext
