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
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
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


class Snapshot:
    """A snapshot directory opened for replay (read-only)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        manifest = self.root / MANIFEST
        if not manifest.is_file():
            raise SnapshotError(f"no {MANIFEST} in snapshot directory {self.root}")
        try:
            entries = json.loads(manifest.read_text("utf-8"))
        except json.JSONDecodeError as exc:
            raise SnapshotError(f"{manifest}: not valid JSON ({exc})") from exc
        if not isinstance(entries, list):
            raise SnapshotError(f"{manifest}: expected a JSON list of entries")
        self._by_url: dict[str, SavedResponse] = {}
        for index, entry in enumerate(entries):
            saved = self._entry(entry, f"{manifest} entry {index}")
            self._by_url.setdefault(saved.url, saved)
            self._by_url.setdefault(canonicalize_url(saved.url), saved)
        self.size = len(entries)

    def _entry(self, entry: Any, where: str) -> SavedResponse:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("url"), str):
            raise SnapshotError(f"{where}: needs a 'url' string")
        status = entry.get("status", 200)
        if not isinstance(status, int) or not 100 <= status <= 599:
            raise SnapshotError(f"{where}: bad status {status!r}")
        file = None
        if entry.get("file"):
            file = (self.root / str(entry["file"])).resolve()
            if not file.is_relative_to(self.root.resolve()):
                raise SnapshotError(f"{where}: file {entry['file']!r} lies outside the snapshot")
            if not file.is_file():
                raise SnapshotError(f"{where}: missing page file {entry['file']!r}")
        return SavedResponse(entry["url"], status, _headers(entry.get("headers"), where), file)

    def get(self, url: str) -> SavedResponse | None:
        return self._by_url.get(url) or self._by_url.get(canonicalize_url(url))

    def __iter__(self) -> Iterator[SavedResponse]:
        seen: set[int] = set()
        for saved in self._by_url.values():
            if id(saved) not in seen:
                seen.add(id(saved))
                yield saved


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
