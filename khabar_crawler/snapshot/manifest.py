"""Saved snapshots of the site: ``manifest.json`` + ``pages/`` (+ ``expected/`` goldens).

The manifest is a JSON list of ``{"url", "file", "status", "headers"}``; ``file`` is relative to
the manifest and may be absent for empty bodies (redirects). Lookups go through
:func:`~khabar_crawler.urls.canonicalize_url`, so a request for any variant of a saved URL
(tracking parameters, raw or percent-encoded slug, fragment) finds the saved page.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from khabar_crawler.urls import canonicalize_url

MANIFEST = "manifest.json"
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


#: an entry of the in-memory index: status, headers (shared between entries), file (relative)
_Entry = tuple[int, dict[str, list[str]], str | None]
_BLANK = re.compile(r"\s*")


def _manifest_entries(text: str, where: Path) -> Iterator[Any]:
    """The entries of a manifest, decoded one at a time (a large manifest is never held as a
    list of dicts)."""
    decoder = json.JSONDecoder()
    position = _BLANK.match(text, 0).end()  # type: ignore[union-attr]
    if text[position : position + 1] != "[":
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise SnapshotError(f"{where}: not valid JSON ({exc})") from exc
        raise SnapshotError(f"{where}: expected a JSON list of entries")
    position = _BLANK.match(text, position + 1).end()  # type: ignore[union-attr]
    if text[position : position + 1] == "]":
        return
    while True:
        try:
            entry, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise SnapshotError(f"{where}: not valid JSON ({exc})") from exc
        yield entry
        position = _BLANK.match(text, position).end()  # type: ignore[union-attr]
        mark = text[position : position + 1]
        if mark == "]":
            if text[position + 1 :].strip():
                raise SnapshotError(f"{where}: not valid JSON (text after the list)")
            return
        if mark != ",":
            raise SnapshotError(f"{where}: not valid JSON (expected ',' or ']' at {position})")
        position = _BLANK.match(text, position + 1).end()  # type: ignore[union-attr]


class Snapshot:
    """A snapshot directory opened for replay (read-only).

    The index keeps, per saved URL, its status, its headers (one shared dict for identical
    headers) and its file name relative to the directory: a few hundred bytes an entry;
    :class:`SavedResponse` objects are made on lookup."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._resolved_root = self.root.resolve()
        manifest = self.root / MANIFEST
        if not manifest.is_file():
            raise SnapshotError(f"no {MANIFEST} in snapshot directory {self.root}")
        self._by_url: dict[str, _Entry] = {}
        self._aliases: dict[str, str] = {}  # canonical form -> saved URL, where they differ
        shared_headers: dict[str, dict[str, list[str]]] = {}
        size = 0
        for index, raw in enumerate(_manifest_entries(manifest.read_text("utf-8"), manifest)):
            url, entry = self._entry(raw, f"{manifest} entry {index}")
            headers = entry[1]
            key = json.dumps(headers, sort_keys=True)
            entry = (entry[0], shared_headers.setdefault(key, headers), entry[2])
            if url not in self._by_url:
                self._by_url[url] = entry
                canonical = canonicalize_url(url)
                if canonical != url:
                    self._aliases.setdefault(canonical, url)
            size += 1
        self.size = size

    def _entry(self, entry: Any, where: str) -> tuple[str, _Entry]:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("url"), str):
            raise SnapshotError(f"{where}: needs a 'url' string")
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
        return entry["url"], (status, _headers(entry.get("headers"), where), file)

    def _saved(self, url: str, entry: _Entry) -> SavedResponse:
        status, headers, file = entry
        # the file was checked to lie inside the directory when the manifest was read
        return SavedResponse(url, status, headers, self._resolved_root / file if file else None)

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


def open_snapshot(root: str | os.PathLike[str]) -> Snapshot:
    """The snapshot in ``root``, opened once per process while its manifest is unchanged (the
    replay middleware and the spider share one index)."""
    manifest = Path(root) / MANIFEST
    try:
        stat = manifest.stat()
    except OSError:
        return Snapshot(root)  # raises the usual SnapshotError
    return _open_snapshot(str(Path(root).resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=2)
def _open_snapshot(root: str, mtime_ns: int, size: int) -> Snapshot:
    return Snapshot(root)


def page_name(url: str, content_type: str | None) -> str:
    """An ASCII file name for a saved page: a hash of its URL and an extension by type."""
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:20]
    subtype = (content_type or "").split(";", 1)[0].strip().lower().rsplit("/", 1)[-1]
    ext = next((e for key, e in _EXTENSIONS.items() if key in subtype), ".bin")
    return digest + ext


class SnapshotWriter:
    """Adds responses to a snapshot directory (record mode); entries of an existing manifest
    are kept, a URL saved again replaces its entry. The manifest is rewritten atomically."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        (self.root / "pages").mkdir(parents=True, exist_ok=True)
        manifest = self.root / MANIFEST
        self._entries: dict[str, dict[str, Any]] = {}
        if manifest.is_file():
            for entry in json.loads(manifest.read_text("utf-8")):
                self._entries[entry["url"]] = entry

    def add(self, url: str, status: int, headers: Mapping[str, list[str]], body: bytes) -> str:
        saved = {
            k: v if len(v) > 1 else v[0] for k, v in headers.items() if k.lower() not in UNSAVED_HEADERS and v
        }
        content_type = next((v[0] for k, v in headers.items() if k.lower() == "content-type" and v), None)
        entry: dict[str, Any] = {"url": url, "status": status, "headers": saved}
        if body:
            name = page_name(url, content_type)
            (self.root / "pages" / name).write_bytes(body)
            entry["file"] = f"pages/{name}"
        self._entries[url] = entry
        return url

    def __len__(self) -> int:
        return len(self._entries)

    def flush(self) -> None:
        text = json.dumps(list(self._entries.values()), ensure_ascii=False, indent=2) + "\n"
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".manifest-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, self.root / MANIFEST)
